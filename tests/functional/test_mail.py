"""Mail goes through the mail outbox and a worker to a real SMTP server (aiosmtpd): a
message added in a transaction is sent after its commit, a server that refuses is
retried with backoff, and without MAIL_SERVER nothing is sent and the message says why."""
from datetime import timedelta

from sqlalchemy import select, update

from moderation import mail
from moderation.extensions import db
from moderation.store import Mail, utcnow
from tests.conftest import make_app


def rows(app):
    with app.app_context():
        return [(m.kind, m.status, m.attempts, m.last_error)
                for m in db.session.scalars(select(Mail).order_by(Mail.id))]


def test_a_message_is_sent_after_its_transaction_commits(tmp_path, smtp):
    app = make_app(f"sqlite:///{tmp_path / 'm.sqlite3'}", **smtp.settings)
    with app.app_context():
        mail.queue(db.session, "ada@example.org", "Your comment was published",
                   "Hello Ada,\nsee https://news.example/a", kind="decision",
                   headers={"List-Unsubscribe": "<https://desk.example/u/x>"})
        assert smtp.inbox.messages == []  # nothing before the commit
        db.session.commit()
    [message] = smtp.inbox.to("ada@example.org")
    assert message["Subject"] == "Your comment was published"
    assert message["From"] == "Desk <desk@news.example>"
    assert message["List-Unsubscribe"] == "<https://desk.example/u/x>"
    assert "see https://news.example/a" in message.get_content()
    assert rows(app) == [("decision", "sent", 1, "")]


def test_a_rolled_back_message_is_never_sent(tmp_path, smtp):
    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", **smtp.settings)
    with app.app_context():
        mail.queue(db.session, "bea@example.org", "x", "y", kind="decision")
        db.session.rollback()
        db.session.commit()
    assert smtp.inbox.messages == [] and rows(app) == []


def test_a_refusing_server_is_retried_with_backoff_then_given_up(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'f.sqlite3'}", MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    with app.app_context():
        mail.queue(db.session, "cy@example.org", "x", "y", kind="reply")
        db.session.commit()
    [(_, status, attempts, error)] = rows(app)
    assert (status, attempts) == ("pending", 1) and "Connection refused" in error
    from workers.mail import resend_mail
    with app.app_context():
        assert mail.due(db.session) == []  # waiting out its backoff
        for _ in range(mail.MAX_ATTEMPTS - 1):
            db.session.execute(update(Mail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            resend_mail()  # what beat runs
    assert rows(app)[0][1:3] == ("failed", mail.MAX_ATTEMPTS)


def test_without_a_mail_server_nothing_is_sent_and_it_says_why(app):
    with app.app_context():
        mail.queue(db.session, "dee@example.org", "x", "y", kind="reply")
        db.session.commit()
    assert rows(app) == [("reply", "pending", 1, "no MAIL_SERVER is configured")]
