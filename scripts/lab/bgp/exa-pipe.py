#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ExaBGP process: copies API commands from a FIFO to ExaBGP (stdout)."""
import os
import sys

FIFO = sys.argv[1] if len(sys.argv) > 1 else "/run/pfl-bgp/exa.fifo"
if not os.path.exists(FIFO):
    os.mkfifo(FIFO)
# Read-write: the FIFO never reports end-of-file between writers.
with os.fdopen(os.open(FIFO, os.O_RDWR), "r") as f:
    for line in f:
        sys.stdout.write(line)
        sys.stdout.flush()
