/// HTTP dates (RFC 9110 §5.6.7): sent in the IMF-fixdate form, `Sun, 06 Nov 1994 08:49:37 GMT`;
/// read in that form and the two obsolete ones recipients must still accept, RFC 850's
/// `Sunday, 06-Nov-94 08:49:37 GMT` and C's asctime `Sun Nov  6 08:49:37 1994`.
public enum HTTPDate {
    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let longWeekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// The Unix times of 0001-01-01T00:00:00 and 9999-12-31T23:59:59, the range four year digits cover.
    static let earliest: Int64 = -62_135_596_800
    static let latest: Int64 = 253_402_300_799

    /// Formats a Unix time (seconds since 1970 UTC). Years before 1 or after 9999 are clamped
    /// to those years' ends, as the format has four year digits.
    public static func format(unixTime: Int64) -> String {
        let t = min(max(unixTime, earliest), latest)
        let days = floorDivide(t, 86_400)
        let secondOfDay = t - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        return "\(weekday), \(pad(day, 2)) \(months[month - 1]) \(pad(year, 4)) "
            + "\(pad(Int(secondOfDay / 3600), 2)):\(pad(Int(secondOfDay / 60 % 60), 2)):\(pad(Int(secondOfDay % 60), 2)) GMT"
    }

    /// The Unix time of a date in any of the three forms, or nil if `text` is none of them
    /// exactly (dates are case-sensitive) or names a day that does not exist. The weekday
    /// must be a weekday name but is not checked against the date. RFC 850's two-digit year
    /// is the one in the century that puts it at most 50 years after `now` (a Unix time;
    /// without one, 70–99 are 19xx and 00–69 are 20xx).
    public static func parse(_ text: String, now: Int64? = nil) -> Int64? {
        var copy = text
        return copy.withUTF8 { parse(bytes: UnsafeRawBufferPointer($0), now: now) }
    }

    static func parse(bytes: UnsafeRawBufferPointer, now: Int64?) -> Int64? {
        var scanner = DateScanner(bytes: bytes)
        if bytes.count == 29 {
            // IMF-fixdate: day-name "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"
            guard scanner.word(weekdays) != nil, scanner.literal(", "), let day = scanner.number(digits: 2),
                  scanner.literal(" "), let month = scanner.word(months), scanner.literal(" "),
                  let year = scanner.number(digits: 4), scanner.literal(" "), let time = scanner.time(),
                  scanner.literal(" GMT"), scanner.atEnd
            else { return nil }
            return unixTime(year: year, month: month + 1, day: day, secondOfDay: time)
        }
        if bytes.count == 24 && bytes[3] == HTTPSyntax.space {
            // asctime: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time SP 4DIGIT
            guard scanner.word(weekdays) != nil, scanner.literal(" "), let month = scanner.word(months),
                  scanner.literal(" ")
            else { return nil }
            let day: Int
            if scanner.literal(" ") {
                guard let d = scanner.number(digits: 1) else { return nil }
                day = d
            } else {
                guard let d = scanner.number(digits: 2) else { return nil }
                day = d
            }
            guard scanner.literal(" "), let time = scanner.time(), scanner.literal(" "),
                  let year = scanner.number(digits: 4), scanner.atEnd
            else { return nil }
            return unixTime(year: year, month: month + 1, day: day, secondOfDay: time)
        }
        // rfc850-date: day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP time SP "GMT"
        guard scanner.word(longWeekdays) != nil, scanner.literal(", "), let day = scanner.number(digits: 2),
              scanner.literal("-"), let month = scanner.word(months), scanner.literal("-"),
              let shortYear = scanner.number(digits: 2), scanner.literal(" "), let time = scanner.time(),
              scanner.literal(" GMT"), scanner.atEnd
        else { return nil }
        return unixTime(year: fullYear(shortYear, now: now), month: month + 1, day: day, secondOfDay: time)
    }

    /// RFC 9110: a two-digit year that would lie more than 50 years in the future is the most
    /// recent past year with the same last two digits.
    private static func fullYear(_ shortYear: Int, now: Int64?) -> Int {
        guard let now else { return shortYear >= 70 ? 1900 + shortYear : 2000 + shortYear }
        let currentYear = civilDate(daysSinceEpoch: floorDivide(min(max(now, earliest), latest), 86_400)).year
        var year = currentYear - currentYear % 100 + shortYear
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    private static func unixTime(year: Int, month: Int, day: Int, secondOfDay: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(secondOfDay)
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Days from 1970-01-01 to a Gregorian date, the inverse of `civilDate`: years are
    /// counted from 1 March, so that the leap day ends a year, in 400-year eras of 146,097
    /// days each.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(year) - (month <= 2 ? 1 : 0)
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400  // 0…399
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)  // 0 = March
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1  // 0…365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // 0…146096
        return era * 146_097 + dayOfEra - 719_468  // 719,468 days from 0000-03-01 to 1970-01-01
    }

    /// Gregorian year, month (1–12) and day (1–31) of a day count from 1970-01-01, counting in
    /// 400-year eras that start on 1 March so leap days fall at an era-year's end.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468  // days since 0000-03-01
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Reads the fixed pieces of a date left to right; each method consumes only on success.
private struct DateScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var atEnd: Bool { position == bytes.count }

    mutating func literal(_ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard bytes.count - position >= length else { return false }
        let expected = UnsafeRawBufferPointer(start: text.utf8Start, count: length)
        guard bytes[position..<(position + length)].elementsEqual(expected) else { return false }
        position += length
        return true
    }

    /// The index of the name in `names` that comes next (names compared exactly).
    mutating func word(_ names: [String]) -> Int? {
        for (index, name) in names.enumerated() {
            let length = name.utf8.count
            if bytes.count - position >= length && bytes[position..<(position + length)].elementsEqual(name.utf8) {
                position += length
                return index
            }
        }
        return nil
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int? {
        guard bytes.count - position >= digits else { return nil }
        var value = 0
        for i in position..<(position + digits) {
            guard HTTPSyntax.isDigit(bytes[i]) else { return nil }
            value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
        }
        position += digits
        return value
    }

    /// `hour ":" minute ":" second` as seconds into the day; a leap second (60) is accepted
    /// and counts as the next minute's first, as POSIX time has no leap seconds.
    mutating func time() -> Int? {
        let start = position
        guard let hour = number(digits: 2), literal(":"), let minute = number(digits: 2), literal(":"),
              let second = number(digits: 2), hour < 24, minute < 60, second <= 60
        else {
            position = start
            return nil
        }
        return hour * 3600 + minute * 60 + second
    }
}
