"""Session assignment: shares on the ratios, splits alike in session size, the seed decides."""

import random
import statistics

from therapy_pipeline.splitting import SPLITS, assign_sessions

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def sizes(n=2000, seed=0):
    rng = random.Random(seed)  # long-tailed, like targets per session: many short sessions, a few long
    return {f"s{i:04d}": max(1, int(rng.lognormvariate(3, 1))) for i in range(n)}


def test_shares_land_on_the_ratios_and_sessions_are_alike_across_splits():
    size = sizes()
    split_of = assign_sessions(size, RATIOS, seed=42)
    total = sum(size.values())
    for name in SPLITS:
        members = [size[s] for s, split in split_of.items() if split == name]
        assert abs(sum(members) / total - RATIOS[name]) < 0.005
        assert abs(len(members) / len(size) - RATIOS[name]) < 0.01  # sessions too, not only targets
        # validation and test are not the small sessions left to fill gaps: same size profile
        assert abs(statistics.median(members) / statistics.median(size.values()) - 1) < 0.15


def test_the_seed_decides_which_sessions_and_the_same_seed_repeats():
    size = sizes()
    a, b = assign_sessions(size, RATIOS, seed=1), assign_sessions(size, RATIOS, seed=2)
    assert a == assign_sessions(dict(reversed(list(size.items()))), RATIOS, seed=1)  # input order is irrelevant
    validation_a = {s for s, split in a.items() if split == "validation"}
    validation_b = {s for s, split in b.items() if split == "validation"}
    assert len(validation_a & validation_b) < 0.3 * len(validation_a)  # about 10% by chance


def test_a_zero_ratio_gets_nothing():
    split_of = assign_sessions(sizes(200), {"train": 0.9, "validation": 0.1, "test": 0.0}, seed=0)
    assert "test" not in split_of.values() and "validation" in split_of.values()
