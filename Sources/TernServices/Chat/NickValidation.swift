/// Which nicks the chat room accepts.
enum NickValidation {
    enum Problem: Equatable {
        case empty
        case tooLong
        /// Control characters could rewrite other users' terminals; whitespace would make
        /// `/msg NICK text` ambiguous.
        case forbiddenCharacter
    }

    static func problem(with nick: String, maximumLength: Int) -> Problem? {
        if nick.isEmpty { return .empty }
        if nick.utf8.count > maximumLength { return .tooLong }
        for scalar in nick.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || scalar.properties.isWhitespace
                || scalar.properties.generalCategory == .format && v != 0x200D {
                return .forbiddenCharacter
            }
        }
        return nil
    }
}
