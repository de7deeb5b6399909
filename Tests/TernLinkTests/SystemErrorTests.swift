import Glibc
import Testing
import TernLink
import TernWire

@Suite("SystemError")
struct SystemErrorTests {
    @Test("messages name the operation, the reason and what to do")
    func messages() {
        #expect(SystemError(code: EPERM, operation: "cannot open /dev/net/tun", subject: .tunDriver).description
            == "cannot open /dev/net/tun: Operation not permitted — run as root or with CAP_NET_ADMIN")
        #expect(SystemError(code: EACCES, operation: "cannot open /dev/net/tun", subject: .tunDriver).description
            == "cannot open /dev/net/tun: Permission denied — run as root or with CAP_NET_ADMIN")
        #expect(SystemError(code: EBUSY, operation: "TAP device tern0", subject: .tapDevice("tern0")).description
            == "TAP device tern0: Device or resource busy — another process has it open")
        #expect(SystemError(code: ENOENT, operation: "cannot open /dev/net/tun", subject: .tunDriver).description
            == "cannot open /dev/net/tun: No such file or directory — the TUN/TAP driver is not available: "
            + "load it with `modprobe tun`, or pass the device into the container (e.g. --device /dev/net/tun)")
        #expect(SystemError(code: ENODEV, operation: "interface veth9", subject: .interface("veth9")).description
            == "interface veth9: No such device — there is no interface named veth9 in this network namespace (see `ip link`)")
        #expect(SystemError(code: EPERM, operation: "cannot open a packet socket", subject: .packetSocket).description
            == "cannot open a packet socket: Operation not permitted — run as root or with CAP_NET_RAW")
        #expect(SystemError(code: EINVAL, operation: "TAP device eth0", subject: .tapDevice("eth0")).hint?
            .contains("must not belong to an interface that is not a TAP device") == true)
        #expect(SystemError(code: ENOENT, operation: "cannot drop privileges to user x", subject: .user("x")).hint
            == "no such user; create it or choose another")
    }

    @Test("without a usual cause there is no hint, and the message stays readable")
    func noHint() {
        let error = SystemError(code: EIO, operation: "TAP device tern0: cannot read a frame", subject: .tapDevice("tern0"))
        #expect(error.hint == nil)
        #expect(error.description == "TAP device tern0: cannot read a frame: Input/output error")
        #expect(SystemError(code: 9999, operation: "x").reason == "Unknown error 9999")
    }

    @Test("transient failures are told apart")
    func transient() {
        #expect(SystemError(code: EAGAIN, operation: "x").isTransient)
        #expect(SystemError(code: ENOBUFS, operation: "x").isTransient)
        #expect(!SystemError(code: EBADF, operation: "x").isTransient)
    }

    @Test("bad interface names are caught before the kernel sees them")
    func interfaceNames() {
        let long = #expect(throws: SystemError.self) { try TAPDevice(name: "a-name-far-too-long") }
        #expect(long?.description == "TAP device a-name-far-too-long: Invalid argument — an interface name is 1–15 bytes long")
        let slash = #expect(throws: SystemError.self) { try PacketSocketDevice(interface: "a/b") }
        #expect(slash?.hint == "an interface name cannot contain '/', ':', NUL or whitespace")
        #expect(throws: SystemError.self) { try TAPDevice(name: "") }
        let mtu = #expect(throws: SystemError.self) { try TAPDevice(name: "tern0", mtu: 20) }
        #expect(mtu?.description == "TAP device tern0: MTU 20: Invalid argument — the MTU must be between 68 and 65535")
    }

    @Test("a missing interface is named in the error")
    func missingInterface() {
        let error = #expect(throws: SystemError.self) { try KernelInterface(name: "nosuchif0").macAddress() }
        #expect(error?.code == ENODEV)
        #expect(error?.description == "interface nosuchif0: cannot read its MAC address: No such device — "
            + "there is no interface named nosuchif0 in this network namespace (see `ip link`)")
    }

    @Test("dropping to a missing user fails before anything changes")
    func missingUser() throws {
        let error = #expect(throws: SystemError.self) { try Privileges.drop(toUser: "tern-no-such-user-xyz") }
        #expect(error?.description == "cannot drop privileges to user tern-no-such-user-xyz: No such file or directory — "
            + "no such user; create it or choose another")
        if runningAsRoot {
            #expect(try Privileges.capabilitiesAreClear() == false)  // still root: nothing was dropped
        }
    }
}
