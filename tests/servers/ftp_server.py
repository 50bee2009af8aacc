#!/usr/bin/python3
"""A pyftpdlib FTP server on 127.0.0.1 for the ftp transport tests.

Usage: ftp_server.py PORT ROOT USER PASSWORD [--cert PEM] [--no-mlsd]
                     [--readonly FOLDER] [--cut-after BYTES]

--cert PEM       FTPS (explicit TLS): the PEM holds the key and certificate;
                 TLS is required on the control and data connections.
--no-mlsd        the server does not know MLSD (clients must fall back).
--readonly DIR   USER may list and read ROOT/DIR but not write there.
--cut-after N    an upload whose name contains "cut" loses its control and
                 data connections after N bytes, once per name: a connection
                 dropped mid-transfer.
"""
import argparse
import logging
import os

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler, TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("root")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--cert")
    ap.add_argument("--no-mlsd", action="store_true")
    ap.add_argument("--readonly")
    ap.add_argument("--cut-after", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    auth = DummyAuthorizer()
    auth.add_user(args.user, args.password, args.root, perm="elradfmwMT")
    if args.readonly:
        os.makedirs(os.path.join(args.root, args.readonly), exist_ok=True)
        auth.override_perm(args.user, os.path.join(args.root, args.readonly), "elr", recursive=True)

    base = TLS_FTPHandler if args.cert else FTPHandler

    class Handler(base):
        pass

    Handler.authorizer = auth
    Handler.auth_failed_timeout = 0  # answer a wrong password at once
    Handler.passive_ports = None
    if args.cert:

        class TLSDTP(TLS_DTPHandler):
            # libcurl starts the data connection's TLS handshake before it
            # sends RETR/STOR; pyftpdlib 1.5.7 takes a read event on a data
            # connection with no transfer yet for a hang-up and closes it.
            def readable(self):
                if self._ssl_accepting:
                    return True
                return super().readable()

        Handler.dtp_handler = TLSDTP
        Handler.certfile = args.cert
        Handler.tls_control_required = True
        Handler.tls_data_required = True
    if args.no_mlsd:
        Handler.proto_cmds = {k: v for k, v in base.proto_cmds.items() if k not in ("MLSD", "MLST")}

    if args.cut_after and not args.cert:
        cut_done = set()

        class CuttingDTP(DTPHandler):
            def handle_read(self):
                DTPHandler.handle_read(self)
                f = self.file_obj
                if (f is not None and "cut" in os.path.basename(f.name)
                        and f.name not in cut_done and self.tot_bytes_received >= args.cut_after):
                    cut_done.add(f.name)
                    self.cmd_channel.close()  # drops the control and the data connection

            handle_read_event = handle_read

        Handler.dtp_handler = CuttingDTP

    server = FTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
