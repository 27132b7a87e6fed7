"""The scale-out deployment as the README shows it: Debian's nginx (with the README's own
configuration) in front of two `signage serve` replicas on one PostgreSQL, media in SeaweedFS.

One scenario, in the order an operator would see it: screens polling through nginx get an edit
made through one replica within a second whichever replica answers them; media uploaded through
nginx is served through nginx from the bucket (each replica has a data folder of its own); the
timed jobs run in one process only; a replica killed while screens poll costs them nothing.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from tests.conftest import SECRET
from tests.factories import World, png_bytes, schedule_body
from tests.live import free_port
from tests.seaweed import S3Server

README = Path(__file__).resolve().parents[2] / "README.md"
ALL_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:00"}
]


def readme_nginx_config() -> str:
    """The nginx configuration the README shows, as written there."""
    found = re.search(r"```nginx\n(.*?)```", README.read_text(), re.DOTALL)
    assert found is not None, "the README shows no nginx configuration"
    return found.group(1)


def nginx_conf(directory: Path, port: int, upstreams: list[int]) -> Path:
    site = readme_nginx_config()
    for placeholder in ("127.0.0.1:8001", "127.0.0.1:8002", "listen 8000;"):
        assert placeholder in site
    site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    site = site.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    site = site.replace("listen 8000;", f"listen 127.0.0.1:{port};")
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    conf = directory / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {directory}/nginx.pid;\n"
        f"error_log {directory}/error.log info;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"  access_log {directory}/access.log;\n"
        f"  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
        f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
        f"  scgi_temp_path {temp['scgi']};\n"
        f"{site}\n}}\n"
    )
    return conf


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "not ready: " + log.read_text()[-3000:]
        time.sleep(0.2)


class Deployment:
    def __init__(self, tmp_path: Path, database_url: str, s3: S3Server) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.s3 = s3
        self.replicas: list[subprocess.Popen[bytes]] = []
        self.replica_urls: list[str] = []
        self.nginx: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        signage = shutil.which("signage")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        assert signage is not None
        assert Path(nginx).exists(), "nginx is not installed (make setup installs it)"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
        ports = [free_port(), free_port()]
        for index, port in enumerate(ports):
            log = self.tmp_path / f"replica-{index}.log"
            env = {
                **clean,
                **self.s3.environ,
                "SIGNAGE_DATABASE_URL": self.database_url,
                "SIGNAGE_SECRET_KEY": SECRET,
                # A data folder each: the media they share is in the bucket.
                "SIGNAGE_DATA_DIR": str(self.tmp_path / f"data-{index}"),
                "SIGNAGE_MEDIA_URL": f"s3://{self.s3.bucket}/nginx-{self.tmp_path.name}",
                "SIGNAGE_JOB_INTERVAL_SCALE": "0.02",  # the offline check every 1.2 s
            }
            process = subprocess.Popen(
                [signage, "serve", "--port", str(port)],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            self.replicas.append(process)
            self.replica_urls.append(f"http://127.0.0.1:{port}")
        for process, url, index in zip(self.replicas, self.replica_urls, range(2), strict=True):
            _wait_ready(url, process, self.tmp_path / f"replica-{index}.log")
        proxy = self.tmp_path / "nginx"
        proxy.mkdir()
        port = free_port()
        conf = nginx_conf(proxy, port, ports)
        checked = subprocess.run(
            [nginx, "-t", "-p", str(proxy), "-c", str(conf)], capture_output=True
        )
        assert checked.returncode == 0, checked.stderr.decode()
        self.nginx = subprocess.Popen(
            [nginx, "-p", str(proxy), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (proxy / "error.log").read_text()[-2000:]
            time.sleep(0.1)

    def stop(self) -> None:
        for process in [*self.replicas, *([self.nginx] if self.nginx else [])]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.replicas, *([self.nginx] if self.nginx else [])]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def deployment(tmp_path: Path, fresh_pg_database: str, s3: S3Server) -> Iterator[Deployment]:
    upgrade_to_head(fresh_pg_database)
    running = Deployment(tmp_path, fresh_pg_database, s3)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_two_replicas_behind_nginx_share_edits_media_and_jobs_and_survive_a_kill(
    deployment: Deployment,
) -> None:
    engine = create_db_engine(deployment.database_url)
    world = World.build(engine, secret=SECRET)
    editor = world.headers("force_a_editor")
    partner = world.headers("partner_1")
    with httpx.Client(base_url=deployment.url, timeout=10) as proxy:
        venue = proxy.post(
            "/v1/venues",
            json={
                "name": "The Crown",
                "kind": "pub",
                "force_id": world.org_id("force_a"),
                "nation": "england",
            },
            headers=partner,
        ).json()
        screen = proxy.post(
            "/v1/screens", json={"venue_id": venue["id"], "name": "Bar"}, headers=partner
        ).json()
        campaign = proxy.post("/v1/campaigns", json={"name": "Walk Away"}, headers=editor).json()
        poster = png_bytes(640, 360)
        uploaded = proxy.post(
            "/v1/creatives",
            data={"campaign_id": campaign["id"], "name": "Poster"},
            files={"file": ("p.png", poster, "image/png")},
            headers=editor,
        )
        assert uploaded.status_code == 201, uploaded.text
        creative = uploaded.json()
        approved = proxy.post(
            f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
        )
        assert approved.status_code == 200, approved.text
        device = {"Authorization": f"Bearer {screen['device_token']}"}
        first = proxy.get("/v1/player/playlist", headers=device)
        assert first.status_code == 200

        # Media through nginx, from the bucket, whichever replica answers.
        sha256 = creative["sha256"]
        for _ in range(4):
            whole = proxy.get(f"/media/{sha256}")
            assert whole.status_code == 200
            assert hashlib.sha256(whole.content).hexdigest() == sha256
        ranged = proxy.get(f"/media/{sha256}", headers={"Range": "bytes=0-15"})
        assert ranged.status_code == 206
        assert ranged.content == whole.content[:16]
        for index in range(2):
            assert not list((deployment.tmp_path / f"data-{index}").rglob(sha256))

        # An edit through one replica reaches screens polling through nginx within a second,
        # whichever replica answers each poll.
        with httpx.Client(base_url=deployment.replica_urls[0]) as replica_a:
            created = replica_a.post(
                "/v1/schedules",
                json=schedule_body([creative["id"]], windows=ALL_DAY, start_date=None),
                headers=editor,
            )
            assert created.status_code == 201, created.text
        edited_at = time.monotonic()
        fresh_in_a_row = 0
        while fresh_in_a_row < 6:
            polled = proxy.get(
                "/v1/player/playlist", headers={**device, "If-None-Match": first.headers["etag"]}
            )
            fresh_in_a_row = fresh_in_a_row + 1 if polled.status_code == 200 else 0
            assert time.monotonic() - edited_at < 1.0, "a replica did not see the edit"
        playing = polled.json()["timeline"][0]["items"][0]["creative_id"]
        assert playing == creative["id"]
        etag = polled.headers["etag"]

        # The timed jobs ran, and in one process only (the lease).
        time.sleep(3)
        with engine.connect() as connection:
            holders = connection.execute(
                text("SELECT holder, count(*) FROM job_runs GROUP BY holder")
            ).all()
        assert len(holders) == 1, holders
        assert holders[0][1] >= 2

        # One replica killed while screens poll: every poll still answered, by the other.
        failures: list[str] = []
        answered = 0
        stop = threading.Event()

        def poll_forever() -> None:
            nonlocal answered
            with httpx.Client(base_url=deployment.url, timeout=10) as screen_client:
                while not stop.is_set():
                    try:
                        reply = screen_client.get(
                            "/v1/player/playlist", headers={**device, "If-None-Match": etag}
                        )
                        if reply.status_code not in (200, 304):
                            failures.append(f"{reply.status_code} {reply.text[:200]}")
                        answered += 1
                    except httpx.HTTPError as exc:
                        failures.append(repr(exc))

        pollers = [threading.Thread(target=poll_forever) for _ in range(4)]
        for poller in pollers:
            poller.start()
        time.sleep(0.5)
        deployment.replicas[1].send_signal(signal.SIGKILL)
        deployment.replicas[1].wait(timeout=10)
        time.sleep(2)
        stop.set()
        for poller in pollers:
            poller.join(timeout=15)
        assert failures == []
        assert answered > 20
    engine.dispose()
