"""A deterministic synthetic publication: the same N always gives the same files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

SECTIONS = ["war", "politics", "business", "culture", "science", "sport", "world", "opinion"]
WORDS = tuple(
    (  # noqa: SIM905
        "the of and to in a is that for on with as was by at from this be are it an has have "
        "government ministry front line drone energy grid budget parliament court election "
        "museum theatre festival bank market export grain shipment reform agency treaty "
        "summit officials said reported according analysts warned agreed announced expected "
        "weeks region city village border coast river port railway bridge station factory "
        "school hospital volunteers soldiers brigade commander minister president deputies "
        "council "
    ).split()
)
DATE_FORMS = [
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    lambda d: d.strftime("%Y-%m-%d %H:%M"),
    lambda d: d.strftime("%b. %d, %Y %H:%M").replace(" 0", " "),
    lambda d: d.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    lambda d: d.strftime("%B %d, %Y %I:%M %p"),
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"),
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/{rng.randint(1, 999)})"
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(5, 10)):
        paragraphs.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 4))))
    return "\n\n".join(paragraphs) + "\n"


def generate(root: Path, articles: int, seed: int = 1) -> Path:
    """Write a data folder with `articles` articles under root; return root."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: Benchmark Times\nurl: https://bench.example.org\nlanguage: en\n"
        "description: A synthetic publication for benchmarks.\ntimezone: Europe/Kyiv\n"
        "items_per_feed: 50\nmax_age: 300\n"
    )
    sections = [
        {"slug": s, "title": s.title(), "description": f"{s.title()} news"} for s in SECTIONS
    ]
    (root / "sections.yaml").write_text(yaml.safe_dump(sections, sort_keys=False))
    authors = [
        {
            "slug": f"author-{i:02d}",
            "name": f"Author {i:02d}",
            "role": "Reporter",
            "bio": f"Author {i:02d} covers the {SECTIONS[i % 8]} desk.",
        }
        for i in range(60)
    ]
    (root / "authors.yaml").write_text(yaml.safe_dump(authors, sort_keys=False))
    tags = [f"Topic {i:03d}" for i in range(200)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for n in range(articles):
        published = start + timedelta(minutes=37 * n + rng.randint(0, 30))
        record = {
            "title": _sentence(rng).rstrip(".").replace("**", ""),
            "section": rng.choice(SECTIONS),
            "authors": rng.sample([a["slug"] for a in authors], rng.choice([1, 1, 1, 2])),
            "published": rng.choice(DATE_FORMS)(published),
            "tags": rng.sample(tags, rng.randint(1, 4)),
            "body": _body(rng),
        }
        if rng.random() < 0.8:
            record["image"] = {
                "url": f"https://bench.example.org/media/{n}.jpg",
                "caption": _sentence(rng),
                "credit": "Staff photographer",
                "alt": "A photograph",
                "type": "image/jpeg",
                "length": rng.randint(50_000, 400_000),
            }
        folder = root / "articles" / f"{published:%Y}" / f"{published:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=88)
        (folder / f"article-{n:06d}.yaml").write_text(text, encoding="utf-8")
    return root
