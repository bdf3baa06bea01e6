"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), keeping what it is sent."""
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        with socket.socket() as probe:  # a free port (aiosmtpd checks it can connect)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def settings(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_SECURITY": "",
                "MAIL_FROM": "Desk <desk@news.example>"}

    def stop(self):
        self.controller.stop()
