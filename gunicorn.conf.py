"""gunicorn's settings for the Workbench, read from the project folder (`gunicorn workbench.wsgi`).

One thread per worker process by default. The annotator's requests are short and mostly Python
(5-10 ms of CPU each, the database on the same network), and a process's threads share one
interpreter lock: with 4 threads each of 2 processes, 50 annotators on 2 cores got no more items
per second than with 1, and Next waited longer at the tail (p99 373-669 ms against 338-365 ms;
bench/RESULTS.md, "Threads per web worker"). Scale with processes (`--workers`, about two per
core) behind a proxy that buffers uploads and downloads (nginx does by default), so a slow client
does not hold a worker. Serving clients directly with no such proxy, give each worker a few
threads (WEB_THREADS=4; `manage.py serve`, the embedded default, does). The worker class stays
gthread even with one thread: its timeout watches the process, not each request, so a long
upload is not killed at `timeout`. Command-line options override these (`--workers`,
`--threads`, ...); so does the environment: WEB_WORKERS, WEB_THREADS.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A large upload or release download outlives the default 30 s only on a slow disk.
timeout = 120
graceful_timeout = 20
# Annotators' browsers and scripts reuse connections between requests.
keepalive = 5
