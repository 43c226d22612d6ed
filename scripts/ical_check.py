"""Reads Hearth's iCalendar feeds back with an independent parser (Python's `icalendar`,
expanded by `recurring_ical_events`) and checks that every occurrence lands at the right local
time on both sides of daylight-saving changes, with cancelled ones gone and moved ones moved.

Run by scripts/ical-check against a live server: ical_check.py BASE_URL TOKEN.
"""

import datetime as dt
import json
import sys
import urllib.request
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

BASE, TOKEN = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        text = response.read().decode()
        return json.loads(text) if response.headers.get_content_type() == "application/json" else text


def meeting(group, title, zone, schedule):
    return call("POST", f"/v1/groups/{group}/meetings", {
        "title": title, "attendance_mode": "online", "time_zone": zone, "duration_minutes": 60,
        "online": {"conference_url": "https://meet.example.org/x"}, "schedule": schedule,
    })["id"]


def expand(ics, year=2026):
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    by_uid = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]), []).append(event["DTSTART"].dt)
    return {uid: sorted(starts) for uid, starts in by_uid.items()}


def check(ics, ids, label):
    starts = expand(ics)
    new_york, lord_howe, london, phoenix = (starts.get(f"{i}@hearth", []) for i in ids)
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(f"{label}: {message}")

    ny = ZoneInfo("America/New_York")
    local = [s.astimezone(ny) for s in new_york]
    dates = [s.date() for s in local]
    expect(len(new_york) == 51, f"New York: 52 Sundays less one cancelled, got {len(new_york)}")
    expect(dt.date(2026, 3, 15) not in dates, "the cancelled occurrence is gone")
    moved = [s for s in local if s.date() == dt.date(2026, 3, 22)]
    expect([m.time() for m in moved] == [dt.time(18, 0)], f"the move to 18:00: {moved}")
    others = [s for s in local if s.date() != dt.date(2026, 3, 22)]
    expect(all(s.time() == dt.time(19, 0) for s in others),
           f"19:00 local every week: {[s for s in others if s.time() != dt.time(19, 0)]}")
    utc = {s.date(): s.astimezone(dt.timezone.utc).time() for s in local}
    expect(utc.get(dt.date(2026, 3, 1)) == dt.time(0, 0), "the Sunday before spring forward is 00:00Z")
    expect(utc.get(dt.date(2026, 3, 8)) == dt.time(23, 0), "spring-forward Sunday is 23:00Z")
    expect(utc.get(dt.date(2026, 10, 25)) == dt.time(23, 0), "the Sunday before fall back is 23:00Z")
    expect(utc.get(dt.date(2026, 11, 1)) == dt.time(0, 0), "fall-back Sunday is 00:00Z (next day)")

    howe = [s.astimezone(ZoneInfo("Australia/Lord_Howe")) for s in lord_howe]
    expect(len(howe) == 12 and all(s.time() == dt.time(18, 30) and s.weekday() == 4 and
                                   (s + dt.timedelta(days=7)).month != s.month for s in howe),
           f"Lord Howe: the last Friday of each month at 18:30: {howe}")
    offsets = {s.utcoffset() for s in howe}
    expect(offsets == {dt.timedelta(hours=10, minutes=30), dt.timedelta(hours=11)},
           f"Lord Howe's half-hour change seen: {offsets}")

    uk = [s.astimezone(ZoneInfo("Europe/London")) for s in london]
    expect(all(s.time() == dt.time(12, 15) for s in uk), "London: 12:15 local all year")
    expect(uk[:3] and [s.date() for s in uk[:3]] == [dt.date(2026, 1, 8), dt.date(2026, 1, 19),
                                                     dt.date(2026, 1, 22)],
           f"London: Thursday of the first week, then every other week: {uk[:3]}")

    az = [s.astimezone(ZoneInfo("America/Phoenix")) for s in phoenix]
    expect([(s.date(), s.time()) for s in az] == [(dt.date(2026, 4, 2), dt.time(7, 0))],
           f"Phoenix: once, 07:00 local: {az}")
    return failures


group = call("POST", "/v1/groups", {"name": "Calendar check", "visibility": "public"})["id"]
ids = [
    meeting(group, "New York", "America/New_York", {"frequency": "weekly", "weekdays": ["sunday"],
            "start_time": "19:00", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    meeting(group, "Lord Howe", "Australia/Lord_Howe", {"frequency": "monthly", "ordinal": "last",
            "weekday": "friday", "start_time": "18:30", "starts_on": "2026-01-01"}),
    meeting(group, "London", "Europe/London", {"frequency": "weekly", "weekdays": ["monday", "thursday"],
            "interval": 2, "start_time": "12:15", "starts_on": "2026-01-07"}),
    meeting(group, "Phoenix", "America/Phoenix", {"frequency": "once", "start_time": "07:00",
            "starts_on": "2026-04-02"}),
]
call("PUT", f"/v1/meetings/{ids[0]}/exceptions/2026-03-15", {"cancelled": True})
call("PUT", f"/v1/meetings/{ids[0]}/exceptions/2026-03-22", {"moved_to": "2026-03-22T18:00:00"})

ics = call("GET", f"/v1/groups/{group}/calendar.ics")
failures = check(ics, ids, "zone names")
# A calendar that does not know a zone's name has only the VTIMEZONE to go by: rename every
# zone so the parser must read ours.
renamed = ics
for zone in ["America/New_York", "Australia/Lord_Howe", "Europe/London", "America/Phoenix"]:
    renamed = renamed.replace(zone, "Hearth-Test-" + zone.replace("/", "-"))
failures += check(renamed, ids, "VTIMEZONE only")
one = call("GET", f"/v1/meetings/{ids[0]}/calendar.ics")
if len(expand(one)) != 1:
    failures.append("a meeting's calendar holds that meeting alone")

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ical-check: 4 meetings, 2 readings, every occurrence at its local time")
