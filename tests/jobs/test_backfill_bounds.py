"""Property: whatever the bound and however often the archive fails, the request counter equals
what reached the server, never exceeds --max-requests, and exactly the units that fit are done."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from pathlib import Path

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.test_backfill_world import END, QUOTES_PER_CAPTURE, START, captures, context, env
from propledger.jobs.backfill import run_backfill
from propledger.jobs.backfill_args import BackfillRequest, BackfillSource
from propledger.jobs.backfill_index import IndexEntry, index_document
from propledger.jobs.backfill_result import StopReason
from propledger.settings import Settings

BASE = "http://archive.test/nhl"
FILES = {f"f{k}.json": body for k, (_, body) in enumerate(captures())}
INDEX = json.dumps(
    index_document(
        IndexEntry(at, f"f{k}.json", hashlib.sha256(body).hexdigest())
        for k, (at, body) in enumerate(captures())
    )
).encode()


def _expected(budget: int, failures: list[int]) -> tuple[int, int]:
    """(requests sent, units done) of the model: index first, each file failures[k] 500s then
    its body; a unit starts only with a request left, and stops at the bound mid-retry."""
    left = budget - 1
    done = 0
    for failed in failures:
        if left == 0:
            break
        cost = failed + 1
        if cost > left:
            left = 0
            break
        left -= cost
        done += 1
    return budget - left if done < len(failures) else 1 + sum(f + 1 for f in failures), done


@settings(max_examples=8, deadline=None)
@given(
    budget=st.integers(min_value=1, max_value=14),
    failures=st.lists(st.integers(min_value=0, max_value=2), min_size=5, max_size=5),
)
def test_request_counter_matches_the_server_and_never_passes_the_bound(
    budget: int, failures: list[int]
) -> None:
    calls: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        calls[name] += 1
        if name == "index.json":
            return httpx.Response(200, content=INDEX)
        k = int(name[1:].split(".")[0])
        if calls[name] <= failures[k]:
            return httpx.Response(500, content=b"{}")
        return httpx.Response(200, content=FILES[name])

    with tempfile.TemporaryDirectory() as tmp:
        values = env(Path(tmp), BASE, PROPLEDGER_HTTP_MAX_ATTEMPTS="3")
        ctx = context(Settings.from_env(values), transport=httpx.MockTransport(handler))
        request = BackfillRequest(START, END, budget, 60.0, BackfillSource.REMOTE)
        try:
            result = run_backfill(ctx, request, sleep=lambda _s: None)
        finally:
            ctx.close()
    sent, done = _expected(budget, failures)
    assert result.requests == sum(calls.values()) == sent <= budget
    assert result.done == done and result.rows_inserted == done * QUOTES_PER_CAPTURE
    if done == len(failures):
        assert result.stop_reason is StopReason.COMPLETED
    else:
        assert result.stop_reason is StopReason.MAX_REQUESTS and result.failed == 0
