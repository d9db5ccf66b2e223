"""gokerchunk serve on Modal: the jobs of `scan|convert --executor http`.

Build the static binary first (from the repository's root), create the
secrets, then deploy:

    CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath \
        -o bin/gokerchunk-linux-amd64 ./cmd/gokerchunk
    openssl rand -hex 32 > ~/.gokerchunk-token
    modal secret create gokerchunk-token GOKERCHUNK_TOKEN="$(cat ~/.gokerchunk-token)"
    modal secret create gokerchunk-aws AWS_ACCESS_KEY_ID=... \
        AWS_SECRET_ACCESS_KEY=... AWS_REGION=us-east-1
    modal deploy deploy/modal/app.py

See README.md beside this file.
"""

import os
import pathlib
import subprocess

import modal

PORT = 8080
TOKEN_FILE = "/tmp/gokerchunk-token"
BINARY = pathlib.Path(__file__).resolve().parent.parent.parent / "bin" / "gokerchunk-linux-amd64"
# Concurrent requests per container: each is one job (one file); the Go
# server runs them at once. Modal starts more containers beyond that.
JOBS_PER_CONTAINER = 8
# True puts Modal's proxy authentication in front of the bearer token:
# callers then also need a proxy auth token's Modal-Key and Modal-Secret
# headers, which gokerchunk sends when MODAL_KEY and MODAL_SECRET are set.
PROXY_AUTH = False

image = (
    modal.Image.debian_slim()
    .add_local_file(BINARY, "/usr/local/bin/gokerchunk", copy=True)
    .run_commands("chmod 0755 /usr/local/bin/gokerchunk")
)

app = modal.App("gokerchunk", image=image)


@app.function(
    secrets=[modal.Secret.from_name("gokerchunk-token"), modal.Secret.from_name("gokerchunk-aws")],
    cpu=2.0,
    memory=2048,
    timeout=900,
)
@modal.concurrent(max_inputs=JOBS_PER_CONTAINER)
@modal.web_server(PORT, startup_timeout=30, requires_proxy_auth=PROXY_AUTH)
def serve():
    # The token reaches the container as an environment variable (the
    # secret); serve reads it from a file, as everywhere else.
    fd = os.open(TOKEN_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.environ["GOKERCHUNK_TOKEN"])
    subprocess.Popen(
        ["/usr/local/bin/gokerchunk", "serve", "--listen", f"0.0.0.0:{PORT}", "--token-file", TOKEN_FILE]
    )
