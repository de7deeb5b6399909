import Logging
import TernLink
import TernStack
import TernWire

/// Hands the engine's frames to the link device. A frame the device refuses is lost, as
/// on a real wire: TCP retransmits, the rest is best effort. Failures are counted, the
/// first one is logged as a warning (a TAP whose kernel side is down fails every frame),
/// the rest only at debug level.
final class DeviceTransmitter: FrameTransmitter {
    private let device: any LinkDevice
    private let logger: Logger
    private(set) var failures = 0

    init(device: any LinkDevice, logger: Logger) {
        self.device = device
        self.logger = logger
    }

    func transmit(_ frame: UnsafeRawBufferPointer) {
        do {
            try device.transmit(frame)
        } catch {
            failed(error)
        }
    }

    func transmit(_ frame: UnsafeMutableRawBufferPointer, offload: FrameOffload) {
        do {
            try device.transmit(frame, offload: VirtioNetHeader(offload))
        } catch {
            failed(error)
        }
    }

    /// Sends what the device queued (see `LinkDevice.sendPending`).
    func sendPending() {
        do {
            try device.sendPending()
        } catch {
            failed(error)
        }
    }

    private func failed(_ error: SystemError) {
        failures += 1
        if failures == 1 {
            logger.warning("cannot send a frame: \(error) (further failures are counted, not logged)")
        } else {
            logger.debug("cannot send a frame: \(error)")
        }
    }
}
