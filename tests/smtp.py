"""Mail servers on 127.0.0.1 for tests: one that accepts connections and never answers (a
black hole: the worst a real server does), and a working one (aiosmtpd) that keeps what it
receives."""

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from gymbooking.email_url import mailer_from_url


class BlackHoleSMTP:
    """Accepts every connection, reads nothing, says nothing, closes nothing until stopped."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.host, self.port = self._listener.getsockname()[:2]
        self.connections: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="black-hole-smtp", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                accepted, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(accepted)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._listener.close()
        for accepted in self.connections:
            accepted.close()


@dataclass
class _Keeper:
    """aiosmtpd handler: keeps every message it is given."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


class WorkingSMTP:
    """A real SMTP server (aiosmtpd) on a free port; `messages` is what it received."""

    def __init__(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as probe:
            port = probe.getsockname()[1]
        self._keeper = _Keeper()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=port)
        self._controller.start()
        self.host, self.port = "127.0.0.1", port

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[Message]:
        return self._keeper.messages

    def stop(self) -> None:
        self._controller.stop()


def mailers_for(url: str, *, timeout: float) -> dict:
    """A MAILERS setting whose default mailer is this SMTP URL, as the settings build it."""
    return {"default": mailer_from_url(url, timeout=timeout)}
