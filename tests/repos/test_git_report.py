"""receive-pack's report-status read off its output (repos.git.ReceiveReport) and the capabilities a
push asked for (repos.smart_http.body.read_commands): what decides whether a push needs git's
post-receive hook to learn which refs it updated."""

import pytest

from repos.git import ReceiveReport
from repos.smart_http.body import PktReader, read_commands
from repos.smart_http.push import report_suffices

A, B, Z = "a" * 40, "b" * 40, "0" * 40


def pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def report(*lines: bytes) -> bytes:
    return b"".join(pkt(line) for line in lines) + b"0000"


def sideband(data: bytes, size: int = 1000) -> bytes:
    """`data` on channel 1 in packets of `size`, a progress line on channel 2 and a keepalive between, and
    the flush-pkt receive-pack ends with."""
    out = pkt(b"\x02remote: hello\n") + pkt(b"\x01")
    for i in range(0, len(data), size):
        out += pkt(b"\x01" + data[i:i + size])
    return out + b"0000"


REPORT = report(b"unpack ok\n", b"ok refs/heads/main\n", b"ng refs/heads/other pre-receive hook declined\n",
                b"ok refs/tags/v1\n")
EXPECTED = {"refs/heads/main", "refs/heads/other", "refs/tags/v1"}


@pytest.mark.parametrize("stream, band", [(REPORT, False), (sideband(REPORT), True), (sideband(REPORT, 7), True)])
@pytest.mark.parametrize("step", [1, 3, 64 * 1024])
def test_report_names_the_refs_git_updated_however_the_output_is_split(stream, band, step):
    parsed = ReceiveReport(sideband=band, expected=EXPECTED)
    for i in range(0, len(stream), step):
        parsed.feed(stream[i:i + step])
        if i + step < len(stream) - 8:  # the report's own flush-pkt not yet read
            assert not parsed.complete
    assert parsed.complete and not parsed.broken
    assert parsed.updated == ["refs/heads/main", "refs/tags/v1"]


def test_report_keeps_only_the_pushed_refs_and_each_once():
    parsed = ReceiveReport(sideband=False, expected={"refs/heads/main"})
    parsed.feed(report(b"unpack ok\n", b"ok refs/heads/main\n", b"ok refs/heads/main\n", b"ok refs/heads/x\n"))
    assert parsed.complete and parsed.updated == ["refs/heads/main"]


@pytest.mark.parametrize("stream", [
    b"0000",  # receive-pack's closing flush with no report before it
    pkt(b"\x01") + b"0000",
    b"zzzz",
    b"0003",
    pkt(b"\x01" + b"0003"),
])
def test_output_without_a_readable_report_records_nothing(stream):
    parsed = ReceiveReport(sideband=True, expected={"refs/heads/main"})
    parsed.feed(stream)
    parsed.feed(sideband(REPORT))  # nothing after a broken stream is trusted
    assert not parsed.complete and parsed.updated == []


def test_unpack_error_reports_no_ref():
    parsed = ReceiveReport(sideband=False, expected={"refs/heads/main"})
    parsed.feed(report(b"unpack index-pack abnormal exit\n", b"ng refs/heads/main unpacker error\n"))
    assert parsed.complete and parsed.updated == []


def commands_of(*lines: bytes):
    return read_commands(PktReader(iter([b"".join(pkt(line) for line in lines) + b"0000"])))


@pytest.mark.parametrize("features, expected", [
    (b" report-status side-band-64k quiet agent=git/2.39\n", {"report-status", "side-band-64k"}),
    (b"report-status-v2\tside-band-64k=1\rquiet", {"report-status-v2", "side-band-64k"}),
    (b"report-statusx side-band-64kk xreport-status", set()),
    (b"agent=report-status side-band\x00report-status", set()),  # git stops at a second NUL
    (b"\x0breport-status", set()),  # a vertical tab is not git's isspace: the name is "\vreport-status"
])
def test_capabilities_are_read_as_receive_pack_reads_them(features, expected):
    commands, capabilities = commands_of(f"{A} {B} refs/heads/main".encode() + b"\x00" + features)
    assert commands == [(A, B, "refs/heads/main")]
    assert capabilities == expected


def test_capabilities_of_every_command_line_count_and_shallow_lines_are_skipped():
    commands, capabilities = commands_of(
        b"shallow " + A.encode() + b"\x00report-status",
        f"{A} {B} refs/heads/main".encode() + b"\x00quiet\n",
        f"{Z} {B} refs/heads/new".encode() + b"\x00side-band-64k\n",
    )
    assert [c[2] for c in commands] == ["refs/heads/main", "refs/heads/new"]
    assert capabilities == {"side-band-64k"}


@pytest.mark.parametrize("commands, capabilities, suffices", [
    ([(A, B, "refs/heads/main")], {"report-status"}, True),
    ([(Z, B, "refs/heads/new")], {"report-status-v2", "side-band-64k"}, True),
    ([(A, B, "refs/heads/main")], {"side-band-64k"}, False),  # no report asked for: git sends none
    # git reports `ok` for a deletion of a ref that did not exist but does not feed it to post-receive
    ([(A, B, "refs/heads/main"), (A, Z, "refs/heads/old")], {"report-status"}, False),
])
def test_report_suffices_unless_unasked_or_deleting(commands, capabilities, suffices):
    assert report_suffices(commands, frozenset(capabilities)) is suffices


def test_one_pkt_line_length_reader_for_both_directions():
    """The request's command list and receive-pack's report read lengths alike, as git does: four hex
    digits of either case; no sign, space or 0x that int() would take; 0 or 4..65520."""
    from repos.git import pkt_length
    from repos.smart_http.body import PktReader

    assert pkt_length(b"0000") == 0 and pkt_length(b"001A") == pkt_length(b"001a") == 26
    for bad in (b"+01a", b" 01a", b"0x1a", b"0003", b"fff1", b"00g0", b"01a"):
        with pytest.raises(ValueError):
            pkt_length(bad)
        with pytest.raises(ValueError):
            PktReader(iter([bad + b"x" * 40])).read_pkt()
