#!/usr/bin/env python3
"""A real SMTP server for Portdesk's mail tests (aiosmtpd), writing each message into a Maildir.

  python3 tests/support/smtp_server.py --port 2525 --maildir DIR [--auth USER:PASS] [--reject PREFIX]

--auth requires AUTH PLAIN/LOGIN with these credentials (over plain TCP: test use only).
--reject answers 550 to every recipient whose address starts with PREFIX (a permanent refusal).
--tls-cert/--tls-key offer STARTTLS with this certificate and require it before MAIL;
with --implicit-tls the whole connection is TLS from the first byte instead (port 465 style).
Prints "ready" when it accepts connections; stops on SIGTERM/SIGINT.
"""
import argparse
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler(Mailbox):
    def __init__(self, maildir, reject):
        super().__init__(maildir)
        self.reject = reject

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and address.startswith(self.reject):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--auth")
    ap.add_argument("--reject")
    ap.add_argument("--log", help="write the SMTP dialogue (debug) to this file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--implicit-tls", action="store_true")
    a = ap.parse_args()
    if a.log:
        import logging
        logging.basicConfig(filename=a.log, level=logging.DEBUG)

    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False)

        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)

    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.implicit_tls:
            kwargs["ssl_context"] = ctx
        else:
            kwargs.update(tls_context=ctx, require_starttls=True)

    controller = Controller(Handler(a.maildir, a.reject), hostname=a.host, port=a.port, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
