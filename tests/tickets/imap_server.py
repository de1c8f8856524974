"""A small IMAP4rev1 server on a local port, enough for imaplib: LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH
BODY.PEEK[], UID STORE +FLAGS (\\Seen), LOGOUT. A real socket and the real client library, in one thread."""

from __future__ import annotations

import shlex
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    username: str = "inbox@acme.example"
    password: str = "imap-password"
    folder: str = "INBOX"
    messages: dict[int, tuple[bytes, set[str]]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)

    def add(self, raw: bytes, *, seen: bool = False) -> int:
        uid = max(self.messages, default=0) + 1
        self.messages[uid] = (raw, {"\\Seen"} if seen else set())
        return uid

    def unseen(self) -> list[int]:
        return [uid for uid, (_, flags) in sorted(self.messages.items()) if "\\Seen" not in flags]


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def send(self, line: bytes | str) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1] test server ready")
        authenticated = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            box.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = shlex.split(args)
                authenticated = (user, password) == (box.username, box.password)
                self.send(f"{tag} OK LOGIN completed" if authenticated else f"{tag} NO [AUTHENTICATIONFAILED] Invalid")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif not authenticated:
                self.send(f"{tag} BAD not authenticated")
            elif command == "SELECT":
                if shlex.split(args)[0] != box.folder:
                    self.send(f"{tag} NO [NONEXISTENT] no such folder")
                    continue
                self.send(f"* {len(box.messages)} EXISTS")
                self.send("* FLAGS (\\Seen)")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "UID":
                self._uid(tag, args, box)
            else:
                self.send(f"{tag} BAD unknown command")

    def _uid(self, tag: str, args: str, box: Mailbox) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            self.send("* SEARCH " + " ".join(str(uid) for uid in box.unseen()))
            self.send(f"{tag} OK SEARCH completed")
        elif sub == "FETCH":
            uid = int(rest.split(" ")[0])
            if uid in box.messages:
                raw = box.messages[uid][0]
                self.wfile.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
            self.send(f"{tag} OK FETCH completed")
        elif sub == "STORE":
            uid = int(rest.split(" ")[0])
            if "\\Seen" in rest and uid in box.messages:
                box.messages[uid][1].add("\\Seen")
            self.send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))")
            self.send(f"{tag} OK STORE completed")
        else:
            self.send(f"{tag} BAD unknown UID command")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ImapServer:
    """`with ImapServer(mailbox) as server:` serves on 127.0.0.1:<server.port> until the block ends."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.mailbox = mailbox
        self.port = self._server.server_address[1]

    def __enter__(self) -> ImapServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
