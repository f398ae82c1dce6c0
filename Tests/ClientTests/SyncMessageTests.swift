import Console
import Foundation
import Shared
import Testing

@testable import Client

/// What `field sync` tells the worker when the center refuses: the advice for the center's code, in
/// their language, and the center's own words kept for whoever at the district reads them.
@Suite struct SyncMessageTests {
    func refusal(_ status: Int, _ code: String, _ message: String = "the center's words") -> SyncError {
        .refused(status: status, APIProblem(Array(#"{"code":"\#(code)","message":"\#(message)"}"#.utf8)))
    }

    @Test(arguments: [
        (401, "revoked", "向区中心要一个新的登记串", "ask the district center for a new enrollment"),
        (401, "unknown-device", "向区中心要一个新的登记串", "ask the district center for a new enrollment"),
        (403, "out-of-scope", "核对这位工作人员的范围", "check the worker's scope"),
        (422, "clock-ahead", "把本机的日期和时间改正确", "set this laptop's date and time correctly"),
        (400, "unsupported-version", "把 field 更新", "update field to the version the center speaks"),
        (409, "history-changed", "再运行一次 field sync", "sync again, and tell the district center"),
        (400, "something-new", "告知区中心", "report this to the district center"),
    ])
    func eachRefusalSaysWhatToDo(status: Int, code: String, chinese: String, english: String) {
        let error = refusal(status, code)
        let zh = error.message(in: .zh)
        #expect(zh.hasPrefix("区中心拒绝了这次同步："), "\(zh)")
        #expect(zh.contains(chinese) && zh.contains("（\(status) \(code)：the center's words）"), "\(zh)")
        let en = error.message(in: .en)
        #expect(en == error.description)
        #expect(en.contains("(\(status) \(code)): the center's words. What to do: ") && en.contains(english), "\(en)")
    }

    @Test func aRefusalWhoseBodyIsNotJSONKeepsWhatTheCenterSent() {
        let error = SyncError.refused(status: 502, APIProblem(Array("<html>Bad Gateway</html>".utf8)))
        #expect(error.message(in: .zh).contains("（502 unknown：<html>Bad Gateway</html>）"))
        #expect(error.exitCode == 65)
    }
}

/// What `field sync` makes of a `GET /v1/areas` answer.
@Suite struct AreaAnswerTests {
    @Test func anEntryThatCannotBeUsedIsPassedOverAndABodyCutShortIsAskedAgain() throws {
        let body = #"{"areas":[{"code":"620502","name":"秦州区"},{"code":"62x","name":"坏"},{"code":"620502101"}]}"#
        #expect(Synchronizer.areas(in: Array(body.utf8)) == [Area(code: try AreaCode(parsing: "620502"), name: "秦州区")])
        #expect(Synchronizer.areas(in: Array(body.utf8.dropLast(3))) == nil)
        #expect(Synchronizer.areas(in: Array(#"{"areas":[]}"#.utf8)) == [])
    }
}

/// Where a snapshot answer says the next page is (`Link: <…>; rel="next"`): a laptop asks for that page
/// while it reads this one.
@Suite struct SnapshotLinkTests {
    func after(_ link: String?) -> RecordID? {
        CurlClient.Response(status: 200, headers: link.map { ["link": $0] } ?? [:], body: [], wireBytes: 0)
            .nextSnapshotAfter
    }

    @Test func theNextPageIsReadFromALinkOfRelationNextAlone() throws {
        let id = try #require(RecordID("0tkq5e2zv2ck139vk0r25ky71a"))
        #expect(after("</v1/snapshot?format=1&after=\(id)&limit=2000>; rel=\"next\"") == id)
        #expect(after("</v1/snapshot?after=\(id)>;rel=next") == id)
        #expect(after("</help>; rel=\"help\", </v1/snapshot?after=\(id)>; title=\"x\"; rel=\"next\"") == id)
        // No link, another relation, no target, no after, or one that is no record id: nothing is asked ahead.
        for link in [
            nil, "</v1/snapshot?after=\(id)>; rel=\"prev\"", "</v1/snapshot?after=\(id)>",
            "/v1/snapshot?after=\(id); rel=next",
            "</v1/snapshot?limit=2>; rel=\"next\"", "</v1/snapshot?after=xyz>; rel=\"next\"",
        ] {
            #expect(after(link) == nil, "\(link ?? "none")")
        }
    }

    /// The rate a first snapshot page came at decides whether the rest comes by the snapshot: only an
    /// answer large enough to time says it.
    @Test func anAnswersRateIsItsBytesOverTheTimeTheyTook() {
        var answer = CurlClient.Response(status: 200, headers: [:], body: [], wireBytes: 400_000)
        answer.transferSeconds = 0.5
        #expect(answer.rate(sample: 64 * 1024) == 800_000)
        #expect(answer.rate(sample: 500_000) == nil, "too small to tell")
        answer.transferSeconds = 0
        #expect(answer.rate(sample: 64 * 1024) == .infinity, "all at once")
        answer.wireBytes = 0
        #expect(answer.rate(sample: 0) == nil, "nothing came")
    }
}

/// The warning a laptop whose clock is off reads after a sync, with the amount in its language.
@Suite struct ClockWarningTests {
    @Test func theAmountIsSaidInTheWorkersLanguage() {
        let behind: Int64 = (3 * 3600 + 12 * 60) * 1000
        #expect(SyncText.clockWarning(behind, language: .zh) == "注意：本机时钟比区中心慢 3小时12分，请校正日期和时间")
        #expect(SyncText.clockWarning(behind, language: .en).contains("is 3h 12m behind the center's"))
        #expect(SyncText.clockWarning(-(2 * 86_400 + 4 * 3600) * 1000, language: .zh).contains("快 2天4小时"))
        #expect(ClockError.duration(45_000, in: .zh) == "45秒" && ClockError.duration(45_000) == "45s")
    }
}

/// The progress line `field sync` draws on a terminal: what is done of how many, the bytes, the rate,
/// and what remains when the total is known.
@Suite struct ProgressLineTests {
    @Test func aPullWhoseTotalTheCenterSaidShowsWhatRemains() {
        let pulling = Synchronizer.Progress(phase: .pulling, changes: 5_000, total: 20_000, bytes: 2048, elapsed: 2)
        #expect(
            ProgressBar.line(pulling, language: .zh)
                == "↓ [######..................] 5000/20000 项，约剩 6 秒  2.0 KB  2500/s")
        #expect(
            ProgressBar.line(pulling, language: .en)
                == "↓ [######..................] 5000/20000 changes, about 6 s left  2.0 KB  2500/s")
        // From a center that does not say: a count.
        let unknown = Synchronizer.Progress(phase: .pulling, changes: 300, total: nil, bytes: 100, elapsed: 1)
        #expect(ProgressBar.line(unknown, language: .zh) == "↓ 300 项  100 B  300/s")
        let done = Synchronizer.Progress(phase: .pushing, changes: 40, total: 40, bytes: 5000, elapsed: 0.5)
        #expect(ProgressBar.line(done, language: .zh) == "↑ [########################] 40/40 项  4.9 KB  80/s")
    }
}
