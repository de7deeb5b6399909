/// The members of a JSON object, in insertion order, each key at most once.
public struct JSONObject: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue
    }

    public private(set) var members: [Member] = []
    private var indexByKey: [String: Int] = [:]

    public init() {}

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// Reading gives the value or nil; assigning replaces in place or appends; assigning nil
    /// removes the member.
    public subscript(key: String) -> JSONValue? {
        get { indexByKey[key].map { members[$0].value } }
        set {
            if let index = indexByKey[key] {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                    rebuildIndex()
                }
            } else if let newValue {
                indexByKey[key] = members.count
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Appends a member unless the key is already present; returns false if it was.
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard indexByKey[key] == nil else { return false }
        indexByKey[key] = members.count
        members.append(Member(key: key, value: value))
        return true
    }

    private mutating func rebuildIndex() {
        indexByKey.removeAll(keepingCapacity: true)
        for (i, member) in members.enumerated() { indexByKey[member.key] = i }
    }

    /// Order matters: two objects are equal when they hold the same members in the same order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members == b.members
    }
}
