"""Waking workers after a commit. The queues are tables (received items, outbox events);
a Celery message only tells a worker to look at one, and it then works the table until
nothing is left. So the commits that several threads of one process make at the same
moment can share a message: a thread that asks while another is sending leaves it to
that one, which sends once more when it is done. Every commit is followed by a message
sent after it, and a burst costs one or two."""
import logging
import threading
import time

from celery import Celery

log = logging.getLogger(__name__)
# After a failed send, skip the broker this long: readers' requests stay fast while it is
# down, and beat's periodic wake-up finds what waits once it is back.
PAUSE_SECONDS = 5.0


class Wakeup:
    def __init__(self, celery: Celery, task_name: str):
        self.celery, self.task_name = celery, task_name
        self._lock = threading.Lock()
        self._sending = self._again = False
        self._paused_until = 0.0

    def send(self) -> bool:
        """Send the task (see the module docstring); False when the broker cannot take it."""
        if time.monotonic() < self._paused_until:
            return False
        with self._lock:
            if self._sending:
                self._again = True
                return True
            self._sending = True
        try:
            while True:
                self.celery.tasks[self.task_name].delay()
                with self._lock:
                    if not self._again:
                        self._sending = False
                        return True
                    self._again = False
        except Exception as exc:  # the broker is down: nothing is lost, the rows wait
            with self._lock:
                self._sending = self._again = False
            self._paused_until = time.monotonic() + PAUSE_SECONDS
            log.warning("could not send %s: %s", self.task_name, exc)
            return False
