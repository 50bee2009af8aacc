#!/usr/bin/python3
"""An SMTP sink on 127.0.0.1 for the email transport tests (aiosmtpd).

Usage: smtp_sink.py PORT OUT_DIR CERT KEY USER PASSWORD

STARTTLS is required, then AUTH (PLAIN or LOGIN) with USER and PASSWORD.
With USER "-" it is a plain local relay instead: no TLS offered, no login.
Each message is written as OUT_DIR/NNNN.eml (as received) and NNNN.json,
which Python's own email package fills with the envelope, the headers and
the text part; each attachment is decoded into NNNN-K.bin (so the test
checks the message with a MIME reader other than orderd's). A recipient starting with
"nobody@" is refused with 550.
"""
import email
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = None
        attachments = []
        base = os.path.join(self.out, "%04d" % self.count)
        for part in msg.walk():
            if part.is_multipart():
                continue
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                file = "%s-%d.bin" % (base, len(attachments) + 1)
                with open(file, "wb") as f:
                    f.write(data)
                attachments.append({"filename": part.get_filename(),
                                    "content_type": part.get_content_type(),
                                    "file": file})
            elif text is None and part.get_content_type() == "text/plain":
                text = data.decode("latin-1")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k: str(msg[k]) for k in
                        ("From", "To", "Subject", "Message-ID", "Date", "X-Orderd-Document")
                        if msg[k] is not None},
            "text": text,
            "attachments": attachments,
        }
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 OK message accepted"


def main():
    port, out, cert, key, user, password = sys.argv[1:7]
    os.makedirs(out, exist_ok=True)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)

    if user == "-":
        controller = Controller(Sink(out), hostname="127.0.0.1", port=int(port))
    else:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        controller = Controller(Sink(out), hostname="127.0.0.1", port=int(port), tls_context=ctx,
                                require_starttls=True, authenticator=authenticator,
                                auth_require_tls=True)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
