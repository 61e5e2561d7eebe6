"""Subscriber statistics: who a User-Agent is, the database, counting, logs, the report."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from feeds.stats.agents import AGGREGATOR, APP, BOT, classify
from feeds.stats.db import VERSION, Batch, Database, open_database
from feeds.stats.keys import DailyKeys
from feeds.stats.logs import import_logs
from feeds.stats.recorder import DAY, Recorder, client_address
from feeds.stats.report import build_report, format_text

# Real strings, as these readers send them (each reader's documentation or logs quoted
# by publishers that count subscribers, such as Buttondown's RSS subscriber page).
REAL = [
    ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 462 subscribers; )",
     ("Feedly", AGGREGATOR, 462, "")),
    ("Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)",
     ("Inoreader", AGGREGATOR, 114, "")),
    ('NewsBlur Feed Fetcher - 27 subscribers - https://www.newsblur.com/site/7704055/'
     'rendezvous-with-cassidoo ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) '
     'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0.1 Safari/605.1.15")',
     ("NewsBlur", AGGREGATOR, 27, "7704055")),
    ("Feedbin feed-id:1697787 - 102 subscribers", ("Feedbin", AGGREGATOR, 102, "1697787")),
    ("Mozilla/5.0 (compatible; theoldreader.com; 1 subscribers; "
     "feed-id=cead6c3a837650eeefd8fe4a)",
     ("The Old Reader", AGGREGATOR, 1, "cead6c3a837650eeefd8fe4a")),
    ("Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 1 subscribers)",
     ("BazQux", AGGREGATOR, 1, "")),
    ("Dreamwidth Studios (webmaster@dreamwidth.org; for https://www.dreamwidth.org/users/"
     "x_feed/; 2 readers)", ("Dreamwidth Studios", AGGREGATOR, 2, "")),
    ("Feedspot/1.0 (+https://www.feedspot.com/fs/fetcher; like FeedFetcher-Google)",
     ("Feedspot", AGGREGATOR, None, "")),
    ("Mozilla/5.0 (compatible; Miniflux/2.1.3; +https://miniflux.app)",
     ("Miniflux", APP, None, "")),
    ("FreshRSS/1.24.3 (Linux; https://freshrss.org)", ("FreshRSS", APP, None, "")),
    ("Tiny Tiny RSS/21.06-7bd9572aa (http://tt-rss.org/)", ("Tiny Tiny RSS", APP, None, "")),
    ("NetNewsWire (RSS Reader; https://netnewswire.com/)", ("NetNewsWire", APP, None, "")),
    ("Reeder/5.0 CFNetwork", ("Reeder", APP, None, "")),
    ("Newsboat/2.36 (Linux x86_64)", ("newsboat", APP, None, "")),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
     ("Thunderbird", APP, None, "")),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     ("Googlebot", BOT, None, "")),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
     ("Bingbot", BOT, None, "")),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", ("Slackbot", BOT, None, "")),
    ("Twitterbot/1.0", ("Twitterbot", BOT, None, "")),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
     ("Facebook", BOT, None, "")),
    ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
     ("Discordbot", BOT, None, "")),
    ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
     ("UptimeRobot", BOT, None, "")),
    ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", ("Pingdom", BOT, None, "")),
    ("curl/8.5.0", ("curl", APP, None, "")),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36", ("Web browser", APP, None, "")),
    ("", ("(no User-Agent)", APP, None, "")),
]  # fmt: skip


@pytest.mark.parametrize(("agent", "expected"), REAL, ids=[e[1][0] for e in REAL])
def test_readers_and_bots_are_known_by_their_real_user_agents(agent, expected):
    assert tuple(classify(agent)) == expected


def test_unknown_agents_are_grouped_by_product():
    assert classify("python-requests/2.31.0").reader == classify("python-requests/2.28").reader


DAY1 = 20_000 * DAY + 3600  # 2024-10-04, 01:00 UTC


def reader(agent: str, address: str = "192.0.2.1") -> dict:
    return {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address}


@pytest.fixture
def recorder(tmp_path):
    clock = [DAY1]
    made = Recorder(
        tmp_path / "stats.sqlite3", clock=lambda: clock[0], keys_folder=tmp_path, interval=3600
    )
    made.clock_value = clock
    yield made
    made.close()


def report_of(path: Path) -> dict:
    database = Database(path)
    try:
        return build_report(database)
    finally:
        database.close()


def test_aggregators_latest_count_a_day_with_feed_ids_added_and_individuals_once(recorder):
    feedly = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; feed-id={})"
    recorder.record("section", "war", reader(feedly.format(100, "a")))
    recorder.clock_value[0] += 600
    recorder.record("section", "war", reader(feedly.format(104, "a")))  # the latest counts
    recorder.record("section", "war", reader(feedly.format(7, "b")))  # another feed id adds
    for address in ("192.0.2.1", "192.0.2.1", "192.0.2.2"):  # two people, one twice
        recorder.record("section", "war", reader("Newsboat/2.36 (Linux x86_64)", address))
    recorder.record("section", "war", reader("Twitterbot/1.0"))
    recorder.record("site", "", reader("Twitterbot/1.0"))
    assert recorder.flush() == 8
    report = report_of(recorder.path)
    war = next(f for f in report["feeds"] if f["feed"] == "section/war")
    assert (war["subscribers"], war["reported"], war["individuals"]) == (113, 111, 2)
    assert war["bot_requests"] == 1 and war["requests"] == 7
    assert war["path"] == "/sections/war/"
    site = next(f for f in report["feeds"] if f["feed"] == "site")
    assert site["subscribers"] == 0 and site["bot_requests"] == 1


def test_an_individual_reader_counts_once_whichever_process_hashes_it(tmp_path):
    # Two workers: two recorders, each with its own DailyKeys, sharing the key folder.
    first = Recorder(tmp_path / "s.db", clock=lambda: DAY1, keys_folder=tmp_path)
    second = Recorder(tmp_path / "s.db", clock=lambda: DAY1 + 60, keys_folder=tmp_path)
    try:
        for worker in (first, second):
            worker.record("site", "", reader("NetNewsWire (RSS Reader; https://netnewswire.com/)"))
            worker.flush()
        assert report_of(tmp_path / "s.db")["feeds"][0]["individuals"] == 1
    finally:
        first.close()
        second.close()


def test_the_daily_key_rotates_and_no_address_reaches_the_database(tmp_path):
    keys = DailyKeys(tmp_path)
    today = DAY1 // DAY
    assert keys.key(today, today) == DailyKeys(tmp_path).key(today, today)
    tomorrow = DailyKeys(tmp_path).key(today + 1, today + 1)
    assert tomorrow != keys.key(today, today)
    assert DailyKeys(tmp_path).key(today, today + 1) is None  # yesterday's key is gone
    assert (tmp_path / next(p.name for p in tmp_path.iterdir())).stat().st_mode & 0o077 == 0
    recorder = Recorder(tmp_path / "s.db", clock=lambda: DAY1, keys_folder=tmp_path)
    recorder.record("site", "", reader("curl/8.5.0", "198.51.100.77"))
    recorder.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    assert b"198.51.100.77" not in raw and b"198.51.100" not in raw


def test_a_closed_day_keeps_a_number_and_no_hashes(recorder):
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        recorder.record("site", "", reader("curl/8.5.0", address))
    recorder.flush()
    recorder.clock_value[0] += 2 * DAY  # the day before yesterday is closed now
    recorder.record("site", "", reader("curl/8.5.0"))
    recorder.flush()
    database = Database(recorder.path)
    try:
        days = {d for (d,) in database.connection.execute("SELECT day FROM clients")}
        assert days == {"2024-10-06"}
        report = build_report(database, as_of="2024-10-04")
        assert report["feeds"][0]["individuals"] == 3
    finally:
        database.close()


def test_retention_deletes_old_days(tmp_path):
    clock = [DAY1]
    recorder = Recorder(tmp_path / "s.db", clock=lambda: clock[0], keys_folder=tmp_path,
                        retention_days=10)  # fmt: skip
    recorder.record("site", "", reader("Twitterbot/1.0"))
    recorder.flush()
    clock[0] += 11 * DAY
    recorder.record("site", "", reader("Twitterbot/1.0"))
    recorder.close()
    assert Database(tmp_path / "s.db").days() == ["2024-10-15"]


def test_a_proxy_on_this_machine_names_the_reader_others_cannot():
    assert client_address("127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert client_address("203.0.113.5", "10.0.0.1") == "203.0.113.5"  # a spoof is ignored


def test_the_schema_is_migrated_from_any_older_version(tmp_path):
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE readings (day TEXT NOT NULL, feed TEXT NOT NULL, reader TEXT NOT NULL,"
        " feed_id TEXT NOT NULL, subscribers INTEGER NOT NULL, at REAL NOT NULL,"
        " PRIMARY KEY (day, feed, reader, feed_id)) WITHOUT ROWID"
    )
    connection.close()  # a version 0 file with a table: refused, not clobbered
    with pytest.raises(sqlite3.OperationalError):
        Database(path)
    path.unlink()
    database = Database(path)
    assert database.version() == VERSION
    database.add(Batch(requests={("2024-10-04", "site", "curl", "app"): 2}))
    database.close()
    assert Database(path).days() == ["2024-10-04"]  # reopening migrates nothing


def test_a_database_from_a_newer_version_is_refused_with_what_to_do(tmp_path, runner):
    from feeds.cli import main

    path = tmp_path / "new.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={VERSION + 1}")
    connection.close()
    result = runner.invoke(main, ["stats", "--db", str(path)])
    assert result.exit_code == 1
    assert "newer version of feeds" in result.output and "upgrade feeds" in result.output


def log_line(address, day, path, status, agent, time="10:00:00"):
    stamp = f"{day}/Oct/2024:{time} +0000"
    return f'{address} - - [{stamp}] "GET {path} HTTP/1.1" {status} 0 "-" "{agent}"\n'


def test_logs_are_counted_once_however_often_imported(tmp_path, runner):
    from feeds.cli import main

    nnw = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
    feedbin = "Feedbin feed-id:9 - {} subscribers"
    war = "/sections/war/feed.json?x=1"
    lines = [
        log_line("192.0.2.1", "04", "/feed.atom", 200, nnw),
        log_line("192.0.2.1", "04", "/feed.rss", 304, nnw),
        log_line("192.0.2.9", "04", "/sections/war/archive/1.json", 304, feedbin.format(40)),
        log_line("192.0.2.9", "04", war, 200, feedbin.format(41), "11:00:00"),
        log_line("192.0.2.3", "04", "/feed.atom", 404, "curl/8.5.0"),
        log_line("192.0.2.3", "04", "/", 200, "curl/8.5.0"),
        log_line("192.0.2.4", "04", "/feed.atom", 304, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
        "garbage\n",
    ]  # fmt: skip
    plain = tmp_path / "access.log"
    plain.write_text("".join(lines[:4]))
    db = str(tmp_path / "s.db")
    result = runner.invoke(main, ["stats", "import", str(plain), "--db", db])
    assert result.exit_code == 0, result.output
    assert "4 feed requests counted" in result.output
    plain.write_text("".join(lines) + "half a line")  # the log grew; its last line is unfinished
    zipped = tmp_path / "access.log.1.gz"  # the same log after logrotate
    zipped.write_bytes(gzip.compress("".join(lines).encode()))
    result = runner.invoke(main, ["stats", "import", str(plain), str(zipped), "--db", db])
    assert result.exit_code == 0, result.output
    assert "4 new lines, 1 feed request counted, 1 line not in the combined" in result.output
    assert "access.log.1.gz: 0 new lines" in result.output
    result = runner.invoke(main, ["stats", "--db", db, "--format", "json"])
    feeds = {f["feed"]: f for f in json.loads(result.output)["feeds"]}
    assert feeds["site"]["individuals"] == 1 and feeds["site"]["bot_requests"] == 1
    assert feeds["section/war"]["reported"] == 41
    assert feeds["site"]["requests"] == 3


def test_a_log_that_differs_from_the_one_imported_is_not_counted_twice(tmp_path):
    database = open_database(tmp_path / "s.db")
    log = tmp_path / "a.log"
    log.write_text(log_line("192.0.2.1", "04", "/feed.atom", 200, "curl/8") * 2)
    assert import_logs(database, [log])[0].counted == 2
    log.write_text(log_line("192.0.2.1", "04", "/feed.atom", 200, "curl/8") + log_line(
        "192.0.2.2", "04", "/feed.rss", 200, "curl/8") * 2)  # fmt: skip
    result = import_logs(database, [log])[0]
    assert result.counted == 0 and "differs" in result.skipped
    database.close()


def test_the_text_report_says_subscribers_changes_and_top_readers(tmp_path):
    database = open_database(tmp_path / "s.db")
    batch = Batch()
    for back, count in ((0, 120), (7, 100), (30, 60)):
        day = f"2024-10-{31 - back:02d}" if back < 31 else "2024-10-01"
        batch.reading((day, "section/war", "Feedly", ""), count, 0.0)
    batch.individuals[("2024-10-31", "section/war", "newsboat")] = 3
    database.add(batch)
    report = build_report(database, titles={"section/war": "War"})
    database.close()
    war = report["feeds"][0]
    assert (war["subscribers"], war["change_7"], war["change_30"]) == (123, 23, 63)
    assert war["title"] == "War"
    text = format_text(report)
    assert "/sections/war/" in text and "+23" in text and "+63" in text
    assert "top readers: Feedly 120, newsboat 3" in text
