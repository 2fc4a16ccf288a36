"""Issue 4 acceptance: several processes issuing at once never share a status index and lose nothing;
lists roll over under load. PostgreSQL runs them in parallel (2,000 credentials); SQLite serializes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select

from app.db.models import Credential, StatusList, StatusListStripe, Tenant
from app.status.service import STRIPES
from tests.app.helpers import create_template
from tests.conftest import ROOT, SyncClient, make_tenant

pytestmark = pytest.mark.xdist_group("concurrency")

LIST_SIZE = 512  # small lists, so that several roll over while the workers race


def test_parallel_issuance_allocates_unique_indexes(client: SyncClient, database_url: str) -> None:
    postgres = database_url.startswith("postgresql")
    workers, per_worker = (8, 250) if postgres else (4, 40)
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.issue_worker",
                database_url,
                slug,
                token,
                template_id,
                str(per_worker),
                str(LIST_SIZE),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    issued: list[str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        result = json.loads(out.strip().splitlines()[-1])
        assert result["failures"] == []
        issued += result["ids"]
    total = workers * per_worker
    assert len(issued) == len(set(issued)) == total

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tenant_id = conn.scalar(select(Tenant.id).where(Tenant.slug == slug))
            rows = conn.execute(
                select(Credential.status_list_id, Credential.status_index).where(
                    Credential.tenant_id == tenant_id
                )
            ).all()
            lists = conn.execute(
                select(
                    StatusList.sequence,
                    func.sum(StatusListStripe.allocated),
                    StatusList.size,
                    StatusList.active_tenant_id,
                )
                .join(StatusListStripe, StatusListStripe.status_list_id == StatusList.id)
                .where(StatusList.tenant_id == tenant_id)
                .group_by(StatusList.id, StatusList.sequence, StatusList.size, StatusList.active_tenant_id)
                .order_by(StatusList.sequence)
            ).all()
            stored = conn.scalar(
                select(func.count()).select_from(Credential).where(Credential.tenant_id == tenant_id)
            )
    finally:
        engine.dispose()
    assert stored == total and len(rows) == total
    assert len(set(rows)) == total, "two credentials share a status index"
    assert all(index is not None and 0 <= index < LIST_SIZE for _list, index in rows)
    # Allocations match credentials; a list closes only when (nearly) full: at most two positions per
    # stripe are left unused; exactly one list is active.
    assert [seq for seq, *_ in lists] == list(range(1, len(lists) + 1))
    assert sum(allocated for _s, allocated, _z, _a in lists) == total
    assert all(
        allocated is not None and LIST_SIZE - 2 * STRIPES <= allocated <= LIST_SIZE
        for _s, allocated, _z, _a in lists[:-1]
    )
    assert [active is not None for *_x, active in lists] == [False] * (len(lists) - 1) + [True]
