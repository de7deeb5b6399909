import Testing
@testable import TernServices

@Suite struct HTTPDateTests {
    /// RFC 9110's example instant in its three forms.
    @Test func theThreeForms() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Wed, 31 Dec 1969 23:59:59 GMT") == -1)
        #expect(HTTPDate.parse("Fri, 31 Dec 9999 23:59:59 GMT") == HTTPDate.latest)
        #expect(HTTPDate.parse("Mon, 01 Jan 0001 00:00:00 GMT") == HTTPDate.earliest)
    }

    /// Every day from 1600 to 2400 (and a spread of seconds) formats and parses back, in each
    /// form, and days-from-civil inverts civil-from-days.
    @Test func roundTripsOverCenturies() {
        let first = HTTPDate.daysFromCivil(year: 1600, month: 1, day: 1)
        let last = HTTPDate.daysFromCivil(year: 2400, month: 12, day: 31)
        var generator = SeededGenerator(seed: 14)
        var day = first
        while day <= last {
            let (y, m, d) = HTTPDate.civilDate(daysSinceEpoch: day)
            #expect(HTTPDate.daysFromCivil(year: y, month: m, day: d) == day)
            let t = day * 86_400 + Int64.random(in: 0..<86_400, using: &generator)
            let text = HTTPDate.format(unixTime: t)
            #expect(HTTPDate.parse(text) == t, "\(text)")
            #expect(HTTPDate.parse(Self.asctime(text)) == t, "\(Self.asctime(text))")
            if (1970..<2070).contains(y) {  // the window used without a clock
                #expect(HTTPDate.parse(Self.rfc850(text)) == t, "\(Self.rfc850(text))")
            }
            day += 7
        }
        #expect(HTTPDate.daysFromCivil(year: 2000, month: 3, day: 1) - HTTPDate.daysFromCivil(year: 2000, month: 2, day: 28) == 2)
        #expect(HTTPDate.daysFromCivil(year: 1900, month: 3, day: 1) - HTTPDate.daysFromCivil(year: 1900, month: 2, day: 28) == 1)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` → `Sun Nov  6 08:49:37 1994`
    private static func asctime(_ fixdate: String) -> String {
        let p = fixdate.split(separator: " ")
        let day = Int(p[1]) ?? 0
        return "\(p[0].dropLast()) \(p[2]) \(day < 10 ? " " : "")\(day) \(p[4]) \(p[3])"
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` → `Sunday, 06-Nov-94 08:49:37 GMT`
    private static func rfc850(_ fixdate: String) -> String {
        let long = ["Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
                    "Sat": "Saturday", "Sun": "Sunday"]
        let p = fixdate.split(separator: " ")
        return "\(long[String(p[0].dropLast())] ?? "?"), \(p[1])-\(p[2])-\(p[3].suffix(2)) \(p[4]) GMT"
    }

    @Test func leapDays() {
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") != nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT") != nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 1900 00:00:00 GMT") == nil, "1900 was no leap year")
        #expect(HTTPDate.parse("Wed, 29 Feb 2023 00:00:00 GMT") == nil)
        #expect(HTTPDate.parse("Mon, 31 Apr 2023 00:00:00 GMT") == nil)
        #expect(HTTPDate.parse("Mon, 00 Jan 2023 00:00:00 GMT") == nil)
    }

    @Test func malformedDatesAreRejected() {
        for text in [
            "", "Sun, 06 Nov 1994 08:49:37", "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 gmt", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sux, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "Sun Nov 06 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 ", "Sun Nov  6 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:3x GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT", "Sun, 06 Nov +994 08:49:37 GMT", "1994-11-06T08:49:37Z", "784111777",
        ] {
            #expect(HTTPDate.parse(text) == nil, "\(text.debugDescription)")
        }
    }

    @Test func leapSecondCountsAsTheNextMinute() {
        #expect(HTTPDate.parse("Sat, 31 Dec 2016 23:59:60 GMT") == HTTPDate.parse("Sun, 01 Jan 2017 00:00:00 GMT"))
    }

    /// RFC 850's two-digit year: at most 50 years ahead of now, else the century before.
    @Test func twoDigitYears() {
        let now2026 = HTTPDate.parse("Sun, 06 Dec 2026 00:00:00 GMT")
        #expect(HTTPDate.parse("Monday, 01-Jan-76 00:00:00 GMT", now: now2026) == HTTPDate.parse("Thu, 01 Jan 2076 00:00:00 GMT"))
        #expect(HTTPDate.parse("Friday, 01-Jan-77 00:00:00 GMT", now: now2026) == HTTPDate.parse("Sat, 01 Jan 1977 00:00:00 GMT"))
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now2026) == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: nil) == 784_111_777)
        #expect(HTTPDate.parse("Monday, 01-Jan-01 00:00:00 GMT", now: nil) == HTTPDate.parse("Mon, 01 Jan 2001 00:00:00 GMT"))
    }
}
