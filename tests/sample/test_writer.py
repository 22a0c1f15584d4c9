"""Writing a world: byte-identical output, refusing to overwrite, world.json last, odds hook."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from propledger.clock import UTC
from propledger.errors import ConfigError, InputError
from propledger.replay import ReplayWriter, load_manifest
from propledger.sample.build import BuildRequest, build_sample
from propledger.sample.presets import Preset
from propledger.sample.world import World
from propledger.sample.writer import discover_payload_writers, read_world_info, write_world


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    request = BuildRequest.resolve(seed=5, preset=Preset.SMALL)
    a = build_sample(tmp_path / "a", request)
    b = build_sample(tmp_path / "b", BuildRequest.resolve(seed=5, preset=Preset.SMALL))
    ha, hb = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert ha == hb and len(ha) == a.files == b.files > 100
    c = build_sample(tmp_path / "c", BuildRequest.resolve(seed=6, preset=Preset.SMALL))
    hc = _hashes(tmp_path / "c")
    assert c.info["counts"]["games"] == a.info["counts"]["games"] == 72
    assert (
        hc["truth.csv"] != ha["truth.csv"]
        and hc["replay/manifest.jsonl"] != ha["replay/manifest.jsonl"]
    )


def test_refuses_non_empty_dir_without_force(tmp_path: Path, small_world: World) -> None:
    out = tmp_path / "w"
    out.mkdir()
    (out / "world.json").write_text("{}")
    with pytest.raises(ConfigError, match="not empty; pass --force"):
        write_world(small_world, out, payload_writers=())
    stale = out / "replay" / "bodies" / "00" / "stale.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    write_world(small_world, out, force=True, payload_writers=())
    assert not stale.exists()
    assert read_world_info(out)["counts"]["games"] == 72


def test_force_never_deletes_foreign_files(tmp_path: Path, small_world: World) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a sample world"):
        write_world(small_world, tmp_path, force=True, payload_writers=())
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_interrupted_build_is_not_complete(tmp_path: Path, small_world: World) -> None:
    def broken(world: World, replay: ReplayWriter) -> int:
        raise KeyboardInterrupt

    out = tmp_path / "w"
    with pytest.raises(KeyboardInterrupt):
        write_world(small_world, out, payload_writers=[("odds_broken", broken)])
    assert (out / "truth.csv").exists() and not (out / "world.json").exists()
    with pytest.raises(InputError, match="interrupted"):
        read_world_info(out)
    write_world(small_world, out, force=True, payload_writers=())  # a rebuild recovers
    assert read_world_info(out)["seed"] == small_world.seed


def test_odds_writers_append_to_the_same_manifest(tmp_path: Path, small_world: World) -> None:
    first_game = small_world.games().to_pylist()[0]

    def odds(world: World, replay: ReplayWriter) -> int:
        at = first_game["start_time_utc"] - dt.timedelta(hours=2)
        replay.add(
            "https://example.test/odds.json?t=1",
            at,
            json.dumps({"game": first_game["game_id"]}).encode(),
        )
        return 1

    out = tmp_path / "w"
    summary = write_world(small_world, out, payload_writers=[("odds_example", odds)])
    urls = {c.url for c in load_manifest(out / "replay")}
    assert "https://example.test/odds.json" in urls
    assert summary.info["counts"]["captures_by_source"]["odds_example"] == 1
    assert summary.info["counts"]["captures"] == len(load_manifest(out / "replay"))


def test_discovered_writers_follow_the_naming_contract() -> None:
    for name, writer in discover_payload_writers():
        assert name.startswith("odds_") and callable(writer)


def test_truth_file_units_and_rows(tmp_path: Path, small_world: World) -> None:
    write_world(small_world, tmp_path / "w", payload_writers=())
    lines = (tmp_path / "w" / "truth.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].replace('"', "").split(",")
    assert header[:7] == ["player_id", "season", "name", "position", "team", "team_end", "games"]
    assert {
        "toi_min",
        "att60",
        "through",
        "xg_att",
        "exp_goals_pg",
        "exp_points_pg",
        "save_mult",
    } <= set(header)
    truth = small_world.truth()
    assert len(lines) == truth.num_rows + 1
    skaters = [r for r in truth.to_pylist() if r["position"] != "G" and r["games"] > 0]
    assert all(
        5 < r["toi_min"] < 30 and 0 < r["through"] < 1 and r["exp_points_pg"] >= r["exp_goals_pg"]
        for r in skaters
    )
    assert all(r["save_mult"] is not None for r in truth.to_pylist() if r["position"] == "G")


def test_capture_times_are_utc_instants(tmp_path: Path, small_world: World) -> None:
    write_world(small_world, tmp_path / "w", payload_writers=())
    caps = load_manifest(tmp_path / "w" / "replay")
    assert all(c.captured_at.tzinfo == UTC for c in caps)
    lines = (tmp_path / "w" / "replay" / "manifest.jsonl").read_text().splitlines()
    assert all(json.loads(line)["captured_at"].endswith("Z") for line in lines)
