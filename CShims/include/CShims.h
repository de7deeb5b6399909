// CShims: the only C in Tern. Thin wrappers over Linux interfaces that Swift cannot reach
// comfortably (ioctl with variadic arguments, packed structs, libcap). No protocol logic here.
//
// Every function returns a non-negative value on success and -errno on failure, so Swift can
// turn failures into errors that name the cause.
#ifndef TERN_CSHIMS_H
#define TERN_CSHIMS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Length of an interface name buffer including the terminating NUL (IFNAMSIZ).
#define TERN_IFNAMSIZ 16

// MARK: - Link devices

/// Opens /dev/net/tun and attaches to TAP device `name` (IFF_TAP | IFF_NO_PI), creating it
/// when absent. The kernel's name for the device is copied to `actual_name` (TERN_IFNAMSIZ
/// bytes). `vnet_header` non-zero asks for IFF_VNET_HDR. The fd is non-blocking, close-on-exec.
/// Returns the fd or -errno; `*failed_step` names the call that failed.
int tern_tap_open(const char *name, int vnet_header, char *actual_name, const char **failed_step);

/// Tells the kernel which offloads the reader of a TAP opened with IFF_VNET_HDR handles:
/// checksums (TUN_F_CSUM) and TCP segmentation over IPv4 and IPv6 (TUN_F_TSO4,
/// TUN_F_TSO6); 0 turns them off. The kernel then sends us TCP super-segments with
/// unfinished checksums, and accepts ours. Returns 0 or -errno.
int tern_tap_set_offload(int fd, int checksum_and_tso);

/// Opens an AF_PACKET raw socket bound to interface `ifname` (all EtherTypes), puts the
/// interface in promiscuous mode so frames for our own MAC arrive, and reports its
/// ifindex. The socket carries a virtio-net header before each frame (PACKET_VNET_HDR) so
/// frames whose checksum the sending host left to "hardware" can be completed; the
/// send and receive functions below add and strip that header. Non-blocking,
/// close-on-exec. Returns the fd or -errno.
int tern_packet_socket_open(const char *ifname, int *ifindex, const char **failed_step);

/// Sends one frame on a bound AF_PACKET socket. Returns bytes sent or -errno.
ssize_t tern_packet_socket_send(int fd, int ifindex, const void *frame, size_t length);

/// The most frames one `tern_packet_socket_receive` call takes.
#define TERN_RECEIVE_BATCH_MAX 64

/// What the kernel said about one received frame.
struct tern_frame_info {
    /// The frame's length on the wire (larger than the buffer when it was cut short).
    size_t length;
    /// 1 for a frame this host sent (PACKET_OUTGOING).
    uint8_t outgoing;
    /// 1 when the checksum at `checksum_start + checksum_offset` still has to be completed:
    /// it holds the pseudo-header sum, and the one's-complement sum from `checksum_start`
    /// to the end of the frame, folded and inverted, belongs there.
    uint8_t needs_checksum;
    /// Non-zero for a segmentation-offload super-frame (VIRTIO_NET_HDR_GSO_*).
    uint8_t gso_type;
    uint16_t checksum_start;
    uint16_t checksum_offset;
};

/// Receives up to `count` frames (at most TERN_RECEIVE_BATCH_MAX) with one recvmmsg(2),
/// without blocking. Frame i goes to `base + i * stride` (at most `buffer_size` bytes) and
/// is described by `info[i]`. Returns the number of frames, 0 when none is waiting, or -errno.
int tern_packet_socket_receive(int fd, void *base, size_t stride, size_t buffer_size, int count,
                               struct tern_frame_info *info);

// MARK: - Kernel-side interface configuration

/// Assigns IPv4 `address` (host byte order) with `prefix_length` to `ifname`.
int tern_interface_set_ipv4(const char *ifname, uint32_t address, int prefix_length);

/// Sets IFF_UP on `ifname`.
int tern_interface_set_up(const char *ifname);

/// Sets the MTU of `ifname`.
int tern_interface_set_mtu(const char *ifname, int mtu);

/// Copies the hardware address of `ifname` into `mac` (6 bytes).
int tern_interface_get_mac(const char *ifname, uint8_t *mac);

/// Returns the MTU of `ifname` or -errno.
int tern_interface_get_mtu(const char *ifname);

/// Moves the calling thread into the network namespace at `path` (e.g. /run/netns/NAME).
/// Only the calling thread moves. Returns 0 or -errno.
int tern_enter_netns(const char *path);

// MARK: - Privileges

/// Drops to the user `user` for good: no-new-privs, every capability out of the bounding
/// and ambient sets, supplementary groups cleared, gid and uid set (real, effective, saved),
/// then all capability sets cleared with libcap. Verifies that root cannot be regained.
/// Returns 0 or -errno; `*failed_step` names the step that failed.
int tern_drop_privileges(const char *user, const char **failed_step);

/// Clears the effective, permitted, inheritable and ambient capability sets of a process
/// that keeps its user (no root needed: giving capabilities up is always allowed) and sets
/// no-new-privs. The bounding set stays, since shrinking it needs CAP_SETPCAP.
/// Returns 0 or -errno.
int tern_clear_capabilities(void);

/// Returns 1 when the effective, permitted and inheritable sets are all empty, 0 if not,
/// -errno on failure.
int tern_capabilities_are_clear(void);

// MARK: - epoll, timerfd, signalfd

/// epoll_event is packed on x86_64; these accessors hide its layout from Swift.
int tern_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int tern_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token);
int tern_epoll_remove(int epfd, int fd);

/// A new close-on-exec epoll instance, or -errno.
int tern_epoll_create(void);

/// Waits for at most `capacity` events, storing each event's token and mask.
/// `timeout_ms` < 0 waits forever. Returns the count or -errno.
int tern_epoll_wait(int epfd, uint64_t *tokens, uint32_t *masks, int capacity, int timeout_ms);

/// Blocks SIGINT, SIGTERM (and ignores SIGPIPE) and returns a non-blocking signalfd for the two.
int tern_signalfd_for_termination(void);

/// Reads one pending signal from a signalfd; returns its number, 0 if none, or -errno.
int tern_signalfd_read(int fd);

/// The current CLOCK_MONOTONIC time in nanoseconds.
uint64_t tern_monotonic_nanoseconds(void);

/// The current CLOCK_REALTIME time in nanoseconds since the Unix epoch.
int64_t tern_realtime_nanoseconds(void);

// MARK: - Memory

/// Has glibc's malloc serve every allocation of at least `threshold` bytes with its own
/// mapping (M_MMAP_THRESHOLD, which also stops malloc from raising that threshold by
/// itself), so freeing such a block returns its memory to the system at once. Returns 0,
/// or -EINVAL when malloc refused the value.
int tern_map_large_allocations(size_t threshold);

/// Returns to the system every whole page of malloc's heap that holds no live allocation
/// (malloc_trim(0): the top of the heap is cut, and free pages inside it are given back
/// with MADV_DONTNEED). Freed heap memory otherwise stays resident for good once a
/// longer-lived block lies above it. Returns 1 if memory was released, else 0.
int tern_release_free_memory(void);

#ifdef __cplusplus
}
#endif

#endif
