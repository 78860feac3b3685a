"""National nodes (issue 12): what `bch serve` loads of the shipped data on a node. A node holds
what it mirrors from the central plus its own national records: started without `--empty` on a
fresh node database it loads the detection methods (reference data, docs/NODES.md "What a node
holds") and nothing else: no shipped records, no comment windows, no forums (the central's).
`bch import` is refused on a node. A real `bch serve` process against a central on loopback;
the node's database is each backend in turn."""

from __future__ import annotations

import subprocess

import httpx
from sqlalchemy import func, select

from bch.services.container import Services
from bch.storage.tables import detection_methods
from bch.storage.tables_participation import consultations, forums
from tests.nodes.harness import BCH, ROOT, Served
from tests.nodes.test_node_sync import _seed, _state
from tests.nodes.test_node_sync import central as central  # the fixture: a central on loopback
from tests.waiting import until


class ServedWithShippedData(Served):
    """`bch serve` as an operator starts it: without --empty."""

    def start(self) -> None:
        cmd = [BCH, "serve", "--port", str(self.port), "--database", self.url]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        until(self.serving, f"{self.log.name} serving", alive=self.alive, interval=0.05)


def _rows(svc: Services, table) -> int:
    with svc.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_serve_on_a_node_loads_reference_data_only(services, central, tmp_path):
    _seed(central.svc, 3)
    url = services.engine.url.render_as_string(hide_password=False)
    services.node.configure(central.url, "CA", token=central.token)
    node = ServedWithShippedData(url, tmp_path / "node.log")
    node.start()
    try:
        until(
            lambda: services.node.status()["phase"] == "following",
            "the node's first copy",
            alive=node.alive,
        )
        assert _state(services) == _state(central.svc)  # the central's records, no other
        assert _rows(services, consultations) == _rows(services, forums) == 0
        assert _rows(services, detection_methods) > 0  # the reference catalogue, local
        listed = httpx.get(f"{node.base}/api/v1/consultations", timeout=60).json()
        assert listed["items"] == []
        assert httpx.get(f"{node.base}/api/v1/forums", timeout=60).json()["items"] == []
    finally:
        node.stop()
    log = node.log.read_text()
    assert "National node of" in log and "Loading shipped data" not in log
    # and the shipped records cannot be imported into it by hand either
    done = subprocess.run(
        [BCH, "import", "--database", url], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "national node" in done.stdout
    assert _state(services) == _state(central.svc)
