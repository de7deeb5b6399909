// Implementation of CShims.h. Kept deliberately small: each function is one Linux recipe.
#define _GNU_SOURCE
#include "CShims.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <stddef.h>

static int fail(const char **failed_step, const char *step) {
    int saved = errno;
    if (failed_step) *failed_step = step;
    return -(saved ? saved : EIO);
}

static int copy_ifname(char *dst, const char *src) {
    size_t n = strlen(src);
    if (n == 0 || n >= IFNAMSIZ) { errno = EINVAL; return -1; }
    memcpy(dst, src, n + 1);
    return 0;
}

// MARK: - Link devices

int tern_tap_open(const char *name, int vnet_header, char *actual_name, const char **failed_step) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (copy_ifname(ifr.ifr_name, name) < 0) return fail(failed_step, "device name");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_header ? IFF_VNET_HDR : 0);

    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(failed_step, "open /dev/net/tun");
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int r = fail(failed_step, "TUNSETIFF");
        close(fd);
        return r;
    }
    if (actual_name) memcpy(actual_name, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

int tern_tap_set_offload(int fd, int checksum_and_tso) {
    unsigned int flags = checksum_and_tso ? (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) : 0;
    return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? -errno : 0;
}

int tern_packet_socket_open(const char *ifname, int *ifindex, const char **failed_step) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return fail(failed_step, "socket(AF_PACKET)");

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (copy_ifname(ifr.ifr_name, ifname) < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        int r = fail(failed_step, "SIOCGIFINDEX");
        close(fd);
        return r;
    }
    int index = ifr.ifr_ifindex;

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = index;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        int r = fail(failed_step, "bind(AF_PACKET)");
        close(fd);
        return r;
    }

    // Our MAC is not the interface's, so the interface must hand us every frame.
    struct packet_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.mr_ifindex = index;
    mreq.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
        int r = fail(failed_step, "PACKET_ADD_MEMBERSHIP");
        close(fd);
        return r;
    }
    // Frames we send must not come back to us as received frames.
    int one = 1;
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    // Room for a batch of frames in flight (sendmmsg) on a device that queues them.
    int send_buffer = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &send_buffer, sizeof send_buffer) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    // Without this header, frames from a sender with checksum offload (a veth peer, say)
    // arrive with the checksum field unfinished and no way to tell.
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
        int r = fail(failed_step, "PACKET_VNET_HDR");
        close(fd);
        return r;
    }

    if (ifindex) *ifindex = index;
    return fd;
}

ssize_t tern_packet_socket_send(int fd, int ifindex, const void *frame, size_t length) {
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    sll.sll_halen = ETH_ALEN;
    if (length >= ETH_ALEN) memcpy(sll.sll_addr, frame, ETH_ALEN);
    // An all-zero header: the frame is complete as it is.
    struct virtio_net_hdr header;
    memset(&header, 0, sizeof header);
    struct iovec parts[2] = {
        { .iov_base = &header, .iov_len = sizeof header },
        { .iov_base = (void *)frame, .iov_len = length },
    };
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_name = &sll;
    message.msg_namelen = sizeof sll;
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    ssize_t n = sendmsg(fd, &message, 0);
    if (n < 0) return -errno;
    return n >= (ssize_t)sizeof header ? n - (ssize_t)sizeof header : 0;
}

int tern_packet_socket_send_batch(int fd, int ifindex, const void *base, size_t stride,
                                  const uint32_t *lengths, int count) {
    if (count <= 0) return 0;
    if (count > TERN_SEND_BATCH_MAX) count = TERN_SEND_BATCH_MAX;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    // One all-zero header for every frame: each is complete as it is.
    struct virtio_net_hdr header;
    memset(&header, 0, sizeof header);
    struct mmsghdr messages[TERN_SEND_BATCH_MAX];
    struct iovec vectors[TERN_SEND_BATCH_MAX][2];
    memset(messages, 0, sizeof(struct mmsghdr) * (size_t)count);
    for (int i = 0; i < count; i++) {
        vectors[i][0].iov_base = &header;
        vectors[i][0].iov_len = sizeof header;
        vectors[i][1].iov_base = (char *)base + (size_t)i * stride;
        vectors[i][1].iov_len = lengths[i];
        messages[i].msg_hdr.msg_iov = vectors[i];
        messages[i].msg_hdr.msg_iovlen = 2;
        messages[i].msg_hdr.msg_name = &sll;
        messages[i].msg_hdr.msg_namelen = sizeof sll;
    }
    int n;
    do {
        n = sendmmsg(fd, messages, (unsigned)count, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

// MARK: - Packet-socket receive ring

_Static_assert(offsetof(struct tpacket2_hdr, tp_status) == TERN_RING_STATUS_OFFSET, "tp_status");
_Static_assert(offsetof(struct tpacket2_hdr, tp_len) == TERN_RING_LENGTH_OFFSET, "tp_len");
_Static_assert(offsetof(struct tpacket2_hdr, tp_snaplen) == TERN_RING_SNAPLEN_OFFSET, "tp_snaplen");
_Static_assert(offsetof(struct tpacket2_hdr, tp_mac) == TERN_RING_MAC_OFFSET, "tp_mac");
_Static_assert(TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) == TERN_RING_ADDRESS_OFFSET, "sockaddr_ll");
_Static_assert(TERN_RING_ADDRESS_OFFSET + offsetof(struct sockaddr_ll, sll_pkttype) == TERN_RING_PACKET_TYPE_OFFSET,
               "sll_pkttype");
_Static_assert(TPACKET2_HDRLEN == TERN_RING_HEADER_SIZE, "TPACKET2_HDRLEN");
_Static_assert(TP_STATUS_USER == TERN_RING_STATUS_USER && TP_STATUS_LOSING == TERN_RING_STATUS_LOSING &&
               TP_STATUS_CSUMNOTREADY == TERN_RING_STATUS_CHECKSUM_NOT_READY && TP_STATUS_KERNEL == 0, "TP_STATUS");
_Static_assert(PACKET_OUTGOING == TERN_RING_PACKET_OUTGOING, "PACKET_OUTGOING");

int tern_packet_socket_map_ring(int fd, unsigned block_size, unsigned frame_size, unsigned frame_count,
                                void **ring, size_t *length, const char **failed_step) {
    int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0)
        return fail(failed_step, "PACKET_VERSION");
    if (frame_size == 0 || block_size == 0 || block_size % frame_size != 0) {
        errno = EINVAL;
        return fail(failed_step, "ring geometry");
    }
    struct tpacket_req request;
    memset(&request, 0, sizeof request);
    request.tp_block_size = block_size;
    request.tp_frame_size = frame_size;
    request.tp_frame_nr = frame_count;
    request.tp_block_nr = frame_count / (block_size / frame_size);
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) < 0)
        return fail(failed_step, "PACKET_RX_RING");
    size_t size = (size_t)request.tp_block_size * request.tp_block_nr;
    void *mapped = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) return fail(failed_step, "mmap(ring)");
    *ring = mapped;
    *length = size;
    return 0;
}

void tern_packet_socket_unmap_ring(void *ring, size_t length) {
    if (ring) (void)munmap(ring, length);
}

int tern_socket_take_error(int fd) {
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0) return errno;
    return error;
}

long tern_packet_socket_drops(int fd) {
    struct tpacket_stats stats;
    socklen_t size = sizeof stats;
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &size) < 0) return -errno;
    return (long)stats.tp_drops;
}

// MARK: - Kernel-side interface configuration

static int with_ioctl_socket(const char *ifname, unsigned long request, struct ifreq *ifr) {
    if (copy_ifname(ifr->ifr_name, ifname) < 0) return -errno;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int r = ioctl(s, request, ifr) < 0 ? -errno : 0;
    close(s);
    return r;
}

int tern_interface_set_ipv4(const char *ifname, uint32_t address, int prefix_length) {
    if (prefix_length < 0 || prefix_length > 32) return -EINVAL;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(address);
    int r = with_ioctl_socket(ifname, SIOCSIFADDR, &ifr);
    if (r < 0) return r;

    memset(&ifr, 0, sizeof ifr);
    sin = (struct sockaddr_in *)&ifr.ifr_netmask;
    sin->sin_family = AF_INET;
    uint32_t mask = prefix_length == 0 ? 0 : (0xFFFFFFFFu << (32 - prefix_length));
    sin->sin_addr.s_addr = htonl(mask);
    return with_ioctl_socket(ifname, SIOCSIFNETMASK, &ifr);
}

int tern_interface_set_up(const char *ifname) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = with_ioctl_socket(ifname, SIOCGIFFLAGS, &ifr);
    if (r < 0) return r;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return with_ioctl_socket(ifname, SIOCSIFFLAGS, &ifr);
}

int tern_interface_set_mtu(const char *ifname, int mtu) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_mtu = mtu;
    return with_ioctl_socket(ifname, SIOCSIFMTU, &ifr);
}

int tern_interface_get_mac(const char *ifname, uint8_t *mac) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = with_ioctl_socket(ifname, SIOCGIFHWADDR, &ifr);
    if (r < 0) return r;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int tern_interface_get_mtu(const char *ifname) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    int r = with_ioctl_socket(ifname, SIOCGIFMTU, &ifr);
    return r < 0 ? r : ifr.ifr_mtu;
}

int tern_enter_netns(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
    close(fd);
    return r;
}

// MARK: - Privileges

int tern_drop_privileges(const char *user, const char **failed_step) {
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        if (errno == 0) errno = ENOENT;
        return fail(failed_step, "look up user");
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(failed_step, "PR_SET_NO_NEW_PRIVS");

    // The bounding set can only shrink while we still hold CAP_SETPCAP.
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
            return fail(failed_step, "PR_CAPBSET_DROP");
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
        return fail(failed_step, "PR_CAP_AMBIENT_CLEAR_ALL");
    }
    if (setgroups(0, NULL) < 0) return fail(failed_step, "setgroups");
    if (setresgid(gid, gid, gid) < 0) return fail(failed_step, "setresgid");
    if (setresuid(uid, uid, uid) < 0) return fail(failed_step, "setresuid");

    cap_t caps = cap_init();
    if (!caps) return fail(failed_step, "cap_init");
    if (cap_clear(caps) < 0 || cap_set_proc(caps) < 0) {
        int r = fail(failed_step, "cap_set_proc");
        cap_free(caps);
        return r;
    }
    cap_free(caps);

    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        errno = EPERM;
        return fail(failed_step, "verify root cannot be regained");
    }
    int clear = tern_capabilities_are_clear();
    if (clear != 1) {
        errno = clear < 0 ? -clear : EPERM;
        return fail(failed_step, "verify capabilities are clear");
    }
    return 0;
}

int tern_clear_capabilities(void) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -errno;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -errno;
    cap_t caps = cap_init();
    if (!caps) return -errno;
    int r = (cap_clear(caps) < 0 || cap_set_proc(caps) < 0) ? -errno : 0;
    cap_free(caps);
    if (r < 0) return r;
    int clear = tern_capabilities_are_clear();
    if (clear < 0) return clear;
    return clear == 1 ? 0 : -EPERM;
}

int tern_capabilities_are_clear(void) {
    cap_t caps = cap_get_proc();
    if (!caps) return -errno;
    cap_t empty = cap_init();
    if (!empty) {
        int r = -errno;
        cap_free(caps);
        return r;
    }
    int differ = cap_compare(caps, empty);
    cap_free(caps);
    cap_free(empty);
    if (differ < 0) return -errno;
    return differ == 0 ? 1 : 0;
}

// MARK: - epoll, timerfd, signalfd

int tern_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int tern_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int tern_epoll_remove(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

int tern_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int tern_epoll_wait(int epfd, uint64_t *tokens, uint32_t *masks, int capacity, int timeout_ms) {
    struct epoll_event events[64];
    if (capacity > 64) capacity = 64;
    int n = epoll_wait(epfd, events, capacity, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        tokens[i] = events[i].data.u64;
        masks[i] = events[i].events;
    }
    return n;
}

int tern_signalfd_for_termination(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -errno;
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int tern_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n < 0) return errno == EAGAIN ? 0 : -errno;
    if ((size_t)n != sizeof info) return 0;
    return (int)info.ssi_signo;
}

uint64_t tern_monotonic_nanoseconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t tern_realtime_nanoseconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + (int64_t)ts.tv_nsec;
}

int tern_map_large_allocations(size_t threshold) {
    if (threshold > INT_MAX) return -EINVAL;
    return mallopt(M_MMAP_THRESHOLD, (int)threshold) == 1 ? 0 : -EINVAL;
}

int tern_release_free_memory(void) {
    return malloc_trim(0);
}
