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
/// send functions below add that header, and in the receive ring it precedes each frame.
/// Non-blocking, close-on-exec. Returns the fd or -errno.
int tern_packet_socket_open(const char *ifname, int *ifindex, const char **failed_step);

/// Sends one frame on a bound AF_PACKET socket. Returns bytes sent or -errno.
ssize_t tern_packet_socket_send(int fd, int ifindex, const void *frame, size_t length);

/// The most frames one `tern_packet_socket_send_batch` call takes.
#define TERN_SEND_BATCH_MAX 64

/// Sends `count` frames (at most TERN_SEND_BATCH_MAX) with one sendmmsg(2): frame i is
/// `lengths[i]` bytes at `base + i * stride`. Returns how many frames were sent (fewer than
/// `count` when one failed after others went out), or -errno when the first one failed.
int tern_packet_socket_send_batch(int fd, int ifindex, const void *base, size_t stride,
                                  const uint32_t *lengths, int count);

// MARK: - Packet-socket receive ring (PACKET_MMAP, TPACKET_V2)
//
// The kernel writes each received frame into the next free slot of a ring shared with us,
// so receiving takes no system call and no copy into a buffer of ours. Each slot starts
// with a struct tpacket2_hdr (status, lengths, offsets) and a struct sockaddr_ll; the
// frame lies at the slot's mac offset, after its virtio-net header. A slot is ours while
// its status has TP_STATUS_USER, the kernel's again once we store TP_STATUS_KERNEL.

/// Byte offsets inside a slot (checked against the kernel's structs in shims.c).
#define TERN_RING_STATUS_OFFSET 0
#define TERN_RING_LENGTH_OFFSET 4
#define TERN_RING_SNAPLEN_OFFSET 8
#define TERN_RING_MAC_OFFSET 12
/// Where the struct sockaddr_ll starts, and its sll_pkttype inside the slot.
#define TERN_RING_ADDRESS_OFFSET 32
#define TERN_RING_PACKET_TYPE_OFFSET 42
/// Bytes the kernel puts before a frame's Ethernet header at least: the two structs above.
#define TERN_RING_HEADER_SIZE 52
/// Status bits (TP_STATUS_*): the slot holds a frame for us; frames were dropped because
/// the ring was full; the frame's checksum is still to be completed (see the virtio-net
/// header before it).
#define TERN_RING_STATUS_USER 1u
#define TERN_RING_STATUS_LOSING 4u
#define TERN_RING_STATUS_CHECKSUM_NOT_READY 8u
/// sll_pkttype of a frame this host sent (PACKET_OUTGOING).
#define TERN_RING_PACKET_OUTGOING 4

/// Switches the packet socket to TPACKET_V2, asks for a receive ring of `frame_count`
/// slots of `frame_size` bytes in blocks of `block_size` bytes (a multiple of the page
/// size and of `frame_size`), and maps it. Returns 0 and the mapping in `*ring` and
/// `*length`, or -errno; `*failed_step` names the call that failed.
int tern_packet_socket_map_ring(int fd, unsigned block_size, unsigned frame_size, unsigned frame_count,
                                void **ring, size_t *length, const char **failed_step);

/// Unmaps a ring mapped by `tern_packet_socket_map_ring`.
void tern_packet_socket_unmap_ring(void *ring, size_t length);

/// How many frames the kernel dropped for want of a free slot since the last call
/// (PACKET_STATISTICS, which resets on reading), or -errno.
long tern_packet_socket_drops(int fd);

/// Takes the socket's pending error (SO_ERROR, which clears it): ENETDOWN when the
/// interface went down, say. Returns 0 when there is none, or the error as a positive
/// errno. A socket read only through its ring must be asked, or the error keeps the socket
/// polling readable.
int tern_socket_take_error(int fd);

/// Reads a slot's status with acquire ordering: the frame's bytes are read only after it.
static inline uint32_t tern_ring_slot_status(const void *slot) {
    return __atomic_load_n((const uint32_t *)slot, __ATOMIC_ACQUIRE);
}

/// Gives a slot back to the kernel (TP_STATUS_KERNEL) with release ordering: every read
/// of the frame happens before the kernel may write the slot again.
static inline void tern_ring_slot_release(void *slot) {
    __atomic_store_n((uint32_t *)slot, 0u, __ATOMIC_RELEASE);
}

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
