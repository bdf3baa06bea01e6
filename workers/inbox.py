"""The inbox: item ids waiting for a worker, a Redis list beside Celery's queue.

Publishing one Celery task per item cost a reader's post more than storing the item did
(building and sending a task message is milliseconds of CPU). So intake pushes the id
onto a list and rings the doorbell, one `moderation.process_inbox` task, only when no
ring is pending; that task drains the list in batches and asks for help (another task)
while a full batch is left behind it, so every worker process joins in under load.

The database stays the truth: an id that leaves the list and is never processed (its
worker was killed) belongs to an item still `received`, and beat's sweeper
(`moderation.requeue_stuck`) pushes it again. Processing twice changes nothing."""
from flask import Flask
from redis import Redis

from moderation.extensions import broker_redis

BATCH = 50
# A ring lasts until its task quiets it, or this long if that task died.
BELL_SECONDS = 30


# KEYS: the list, the bell; ARGV: the bell's lifetime, then the ids. 1 when it rang.
PUSH = """
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""


class Inbox:
    def __init__(self, client: Redis, queue: str):
        self.redis = client
        self.list, self.bell = f"moderation:{queue}:inbox", f"moderation:{queue}:bell"
        self._push = client.register_script(PUSH)

    def push(self, ids: list[int]) -> bool:
        """Add ids, in one round trip per thousand; True when the caller must ring (send
        the task)."""
        rang = False
        for start in range(0, len(ids), 1000):  # Lua's unpack() takes some thousands
            chunk = ids[start:start + 1000]
            rang |= self._push(keys=[self.list, self.bell], args=[BELL_SECONDS, *chunk]) == 1
        return rang

    def nudge(self) -> bool:
        """True when no ring is pending, so the caller must ring (the items waiting have
        nobody draining them, e.g. after their drainer died)."""
        return bool(self.redis.set(self.bell, 1, nx=True, ex=BELL_SECONDS))

    def unring(self) -> None:
        """The ring could not be sent: let the next push try again."""
        self.redis.delete(self.bell)

    def take(self, count: int = BATCH) -> list[int]:
        return [int(i) for i in self.redis.lpop(self.list, count) or ()]

    def waiting(self) -> int:
        return self.redis.llen(self.list)

    def quiet(self) -> list[int]:
        """The drainer found the list empty: end the ring, then look once more, so an id
        pushed while the ring was still on (which did not ring) is not left waiting."""
        self.redis.delete(self.bell)
        return self.take()


def inbox_of(app: Flask) -> Inbox:
    inbox = app.extensions.get("inbox")
    if inbox is None:
        inbox = app.extensions["inbox"] = Inbox(broker_redis(app),
                                                app.config["CELERY"]["task_default_queue"])
    return inbox
