// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the VM's state in a memfd of its own, for the next kernel.
 *
 * The state memfd holds one header (struct vmm_state_header) and one
 * record per vCPU (struct vmm_vcpu_record, then its MSRs, its XSAVE area
 * and its CPUID), with a checksum over all of it. It is all that KVM
 * exposes of a VM that this guest needs: general and special registers,
 * FPU/SSE/AVX (XSAVE, XCRs), the MSRs KVM lists for saving, the local
 * APIC, pending events, the multiprocessing state, debug registers, the
 * TSC offset, and for the VM the PIC and IOAPIC and the kvmclock.
 *
 * The TSC offset is handed over as it was, not the TSC value: the host's
 * TSC keeps counting through a kexec, so the guest's TSC goes on counting
 * too and the guest sees the update as a pause of its real length.
 *
 * The version says what this file means. A VMM refuses a state of any
 * version but its own, before it touches guest memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define VMM_STATE_MAGIC		"luo-vmm"
#define MSR_IA32_TSC		0x10
#define MAX_MSRS		256
#define MAX_CPUID		256

/**
 * struct vmm_state_header - the start of the state memfd
 * @magic: %VMM_STATE_MAGIC
 * @version: %VMM_STATE_VERSION
 * @header_size: sizeof(struct vmm_state_header)
 * @total_size: bytes of header and records
 * @checksum: FNV-1a over @total_size bytes, this field taken as 0
 * @mem_size: bytes of guest memory
 * @mem_token: the token guest memory is preserved under
 * @nr_vcpus: vCPU records that follow
 * @vcpu_size: bytes of each, with its arrays, 8-byte aligned
 * @nr_msrs: MSRs in each record
 * @nr_cpuid: CPUID entries in each record
 * @xsave_size: bytes of each XSAVE area
 * @reserved: 0
 * @tsc_khz: the vCPUs' TSC frequency
 * @saved_tsc: the host's TSC when the state was taken
 * @clock: the VM's kvmclock (KVM_GET_CLOCK)
 * @irqchip: the PICs and the IOAPIC (KVM_GET_IRQCHIP, chips 0-2)
 */
struct vmm_state_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t total_size;
	uint64_t checksum;
	uint64_t mem_size;
	uint64_t mem_token;
	uint32_t nr_vcpus;
	uint32_t vcpu_size;
	uint32_t nr_msrs;
	uint32_t nr_cpuid;
	uint32_t xsave_size;
	uint32_t reserved;
	uint64_t tsc_khz;
	uint64_t saved_tsc;
	struct kvm_clock_data clock;
	struct kvm_irqchip irqchip[3];
};

/**
 * struct vmm_vcpu_record - one vCPU; its MSRs, XSAVE area and CPUID follow
 * @regs: KVM_GET_REGS
 * @sregs: KVM_GET_SREGS2
 * @xcrs: KVM_GET_XCRS
 * @lapic: KVM_GET_LAPIC
 * @events: KVM_GET_VCPU_EVENTS
 * @mp_state: KVM_GET_MP_STATE
 * @debugregs: KVM_GET_DEBUGREGS
 * @tsc_offset: KVM_VCPU_TSC_OFFSET
 * @seen_heartbeat: the last heartbeat the VMM saw from this vCPU
 * @counter: the guest's page counter when stopped, to check memory with
 */
struct vmm_vcpu_record {
	struct kvm_regs regs;
	struct kvm_sregs2 sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_debugregs debugregs;
	uint64_t tsc_offset;
	uint64_t seen_heartbeat;
	uint64_t counter;
};

static uint64_t fnv1a(const void *p, uint64_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t state_checksum(const struct vmm_state_header *h)
{
	struct vmm_state_header copy = *h;
	uint64_t sum;

	copy.checksum = 0;
	sum = fnv1a(&copy, sizeof(copy));
	return sum ^ fnv1a((const uint8_t *)h + sizeof(*h),
			   h->total_size - sizeof(*h));
}

static int xsave_size(struct vm *vm)
{
	int size = ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	return size > 0 ? size : (int)sizeof(struct kvm_xsave);
}

/* The MSRs to hand over: what KVM lists for saving and can read, no TSC. */
static int saved_msrs(struct vm *vm, struct kvm_msr_entry *out)
{
	struct kvm_msr_list *list;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} one;
	unsigned int i;
	int n = 0;

	list = calloc(1, sizeof(*list) + 1024 * sizeof(list->indices[0]));
	if (!list)
		die("out of memory");
	list->nmsrs = 1024;
	if (ioctl(vm->kvm, KVM_GET_MSR_INDEX_LIST, list))
		die("KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
	for (i = 0; i < list->nmsrs && n < MAX_MSRS; i++) {
		if (list->indices[i] == MSR_IA32_TSC)
			continue;
		memset(&one, 0, sizeof(one));
		one.hdr.nmsrs = 1;
		one.e.index = list->indices[i];
		if (ioctl(vm->vcpus[0].fd, KVM_GET_MSRS, &one) == 1)
			out[n++].index = list->indices[i];
	}
	free(list);
	return n;
}

static void tsc_offset_attr(struct vcpu *vcpu, uint64_t *offset, bool set)
{
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)offset,
	};

	vcpu_ioctl(vcpu, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, &attr,
		   "the TSC offset (KVM_VCPU_TSC_OFFSET)");
}

static void save_vcpu(struct vcpu *vcpu, struct vmm_state_header *h,
		      struct vmm_vcpu_record *r, const struct kvm_msr_entry *msrs)
{
	struct kvm_msr_entry *msr = (void *)(r + 1);
	struct kvm_xsave *xsave = (void *)(msr + h->nr_msrs);
	struct kvm_cpuid_entry2 *cpuid = (void *)((uint8_t *)xsave + h->xsave_size);
	struct kvm_msrs *get = calloc(1, sizeof(*get) + h->nr_msrs * sizeof(*msr));
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_CPUID * sizeof(*cpuid));
	int n;

	if (!get || !c)
		die("out of memory");
	vcpu_ioctl(vcpu, KVM_GET_REGS, &r->regs, "KVM_GET_REGS");
	vcpu_ioctl(vcpu, KVM_GET_SREGS2, &r->sregs, "KVM_GET_SREGS2");
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &r->xcrs, "KVM_GET_XCRS");
	vcpu_ioctl(vcpu, KVM_GET_LAPIC, &r->lapic, "KVM_GET_LAPIC");
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &r->events, "KVM_GET_VCPU_EVENTS");
	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &r->mp_state, "KVM_GET_MP_STATE");
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &r->debugregs, "KVM_GET_DEBUGREGS");
	tsc_offset_attr(vcpu, &r->tsc_offset, false);
	vcpu_ioctl(vcpu, h->xsave_size > sizeof(*xsave) ? KVM_GET_XSAVE2 :
		   KVM_GET_XSAVE, xsave, "KVM_GET_XSAVE2");

	get->nmsrs = h->nr_msrs;
	memcpy(get->entries, msrs, h->nr_msrs * sizeof(*msr));
	n = ioctl(vcpu->fd, KVM_GET_MSRS, get);
	if (n != (int)h->nr_msrs)
		die("vCPU %d: KVM_GET_MSRS read %d of %u MSRs", vcpu->index, n,
		    h->nr_msrs);
	memcpy(msr, get->entries, h->nr_msrs * sizeof(*msr));

	c->nent = MAX_CPUID;
	vcpu_ioctl(vcpu, KVM_GET_CPUID2, c, "KVM_GET_CPUID2");
	if (vcpu->index == 0)
		h->nr_cpuid = c->nent;
	else if (c->nent != h->nr_cpuid)
		die("vCPU %d has %u CPUID entries, vCPU 0 %u", vcpu->index,
		    c->nent, h->nr_cpuid);
	memcpy(cpuid, c->entries, c->nent * sizeof(*cpuid));

	r->seen_heartbeat = vcpu->seen_heartbeat;
	r->counter = vcpu_status(vcpu->vm, vcpu->index)->counter;
	free(get);
	free(c);
}

static uint32_t record_size(uint32_t nr_msrs, uint32_t xsave, uint32_t nr_cpuid)
{
	uint64_t size = sizeof(struct vmm_vcpu_record) +
			nr_msrs * sizeof(struct kvm_msr_entry) + xsave +
			nr_cpuid * sizeof(struct kvm_cpuid_entry2);

	return (size + 7) & ~7ULL;
}

/**
 * state_save() - write the state of a stopped VM into a new memfd
 * @vm: the VM, every vCPU parked
 * @mem_token: the token of guest memory, recorded in the state
 * @version: the format version to write: %VMM_STATE_VERSION (others only
 *	to test that the next VMM refuses them)
 * @corrupt: flip a bit of a vCPU record after the checksum is taken (only
 *	to test that the next VMM refuses a corrupt state)
 *
 * Return: the state memfd, its size fixed.
 */
int state_save(struct vm *vm, uint64_t mem_token, uint32_t version,
	       bool corrupt)
{
	struct kvm_msr_entry msrs[MAX_MSRS] = { 0 };
	struct vmm_state_header *h;
	uint64_t size;
	uint8_t *p;
	int fd, i;

	/* Sized for the largest CPUID; the header says what is used. */
	size = sizeof(*h) + vm->nr_vcpus * (uint64_t)record_size(MAX_MSRS,
						xsave_size(vm), MAX_CPUID);
	size = (size + 4095) & ~4095ULL;
	fd = memfd_create("vmm-state", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size))
		die("state memfd: %s", strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mapping the state memfd: %s", strerror(errno));

	h = (void *)p;
	memcpy(h->magic, VMM_STATE_MAGIC, sizeof(h->magic));
	h->version = version;
	h->header_size = sizeof(*h);
	h->mem_size = vm->mem_size;
	h->mem_token = mem_token;
	h->nr_vcpus = vm->nr_vcpus;
	h->nr_msrs = saved_msrs(vm, msrs);
	h->xsave_size = xsave_size(vm);
	h->tsc_khz = vm->tsc_khz;
	vm_ioctl(vm, KVM_GET_CLOCK, &h->clock, "KVM_GET_CLOCK");
	for (i = 0; i < 3; i++) {
		h->irqchip[i].chip_id = i;
		vm_ioctl(vm, KVM_GET_IRQCHIP, &h->irqchip[i], "KVM_GET_IRQCHIP");
	}
	/* vCPU 0 learns how many CPUID entries there are; all then fit. */
	h->vcpu_size = record_size(h->nr_msrs, h->xsave_size, MAX_CPUID);
	for (i = 0; i < vm->nr_vcpus; i++)
		save_vcpu(&vm->vcpus[i], h, (void *)(p + sizeof(*h) +
			  i * (uint64_t)h->vcpu_size), msrs);
	h->total_size = sizeof(*h) + vm->nr_vcpus * (uint64_t)h->vcpu_size;
	h->saved_tsc = tsc_now();
	h->checksum = state_checksum(h);
	if (corrupt)
		p[sizeof(*h) + offsetof(struct vmm_vcpu_record, regs.rip)] ^= 1;
	munmap(p, size);
	return fd;
}

/**
 * state_check() - may this VMM resume the VM from @state?
 * @vm: a VM from vm_open() (the host's KVM is asked about XSAVE)
 * @state: the mapped state memfd
 * @size: its size
 * @mem_token: the token of guest memory the caller means to retrieve
 * @why: where to write why not
 * @why_len: its size
 *
 * Return: 0, or -1 with @why filled in.
 */
int state_check(struct vm *vm, const void *state, uint64_t size,
		uint64_t mem_token, char *why, int why_len)
{
	const struct vmm_state_header *h = state;

	if (size < sizeof(*h) || memcmp(h->magic, VMM_STATE_MAGIC, sizeof(h->magic))) {
		snprintf(why, why_len, "it is not a VMM state (no \"%s\" header)",
			 VMM_STATE_MAGIC);
		return -1;
	}
	if (h->version != VMM_STATE_VERSION) {
		snprintf(why, why_len,
			 "it was written by an incompatible VMM: format version %u, this VMM reads version %u",
			 h->version, VMM_STATE_VERSION);
		return -1;
	}
	if (h->header_size != sizeof(*h) || h->total_size > size ||
	    h->total_size < sizeof(*h) || h->reserved ||
	    !h->nr_vcpus || h->nr_vcpus > GUEST_MAX_VCPUS ||
	    h->nr_msrs > MAX_MSRS || h->nr_cpuid > MAX_CPUID ||
	    h->vcpu_size < record_size(h->nr_msrs, h->xsave_size, h->nr_cpuid) ||
	    h->total_size != sizeof(*h) + h->nr_vcpus * (uint64_t)h->vcpu_size) {
		snprintf(why, why_len, "its header is inconsistent");
		return -1;
	}
	if (state_checksum(h) != h->checksum) {
		snprintf(why, why_len, "its checksum does not match: it is corrupt");
		return -1;
	}
	if (h->mem_token != mem_token) {
		snprintf(why, why_len,
			 "it belongs to the guest memory of token %llu, not %llu",
			 (unsigned long long)h->mem_token,
			 (unsigned long long)mem_token);
		return -1;
	}
	if ((int)h->xsave_size != xsave_size(vm)) {
		snprintf(why, why_len,
			 "its XSAVE areas have %u bytes, this host's KVM uses %d",
			 h->xsave_size, xsave_size(vm));
		return -1;
	}
	return 0;
}

/**
 * state_describe() - the shape of the VM in a checked state
 * @state: the state, state_check() passed
 * @mem_size: where to store the size of guest memory
 * @nr_vcpus: where to store the number of vCPUs
 */
void state_describe(const void *state, uint64_t *mem_size, int *nr_vcpus)
{
	const struct vmm_state_header *h = state;

	*mem_size = h->mem_size;
	*nr_vcpus = h->nr_vcpus;
}

static const struct vmm_vcpu_record *record(const void *state, int i)
{
	const struct vmm_state_header *h = state;

	return (const void *)((const uint8_t *)state + sizeof(*h) +
			      i * (uint64_t)h->vcpu_size);
}

uint64_t state_saved_tsc(const void *state)
{
	return ((const struct vmm_state_header *)state)->saved_tsc;
}

uint64_t state_saved_counter(const void *state, int index)
{
	return record(state, index)->counter;
}

static void load_vcpu(struct vcpu *vcpu, const struct vmm_state_header *h,
		      const struct vmm_vcpu_record *src)
{
	struct vmm_vcpu_record r = *src;
	const struct kvm_msr_entry *msr = (const void *)(src + 1);
	const void *xsave = msr + h->nr_msrs;
	const struct kvm_cpuid_entry2 *cpuid = (const void *)((const uint8_t *)xsave +
							       h->xsave_size);
	struct kvm_msrs *set = calloc(1, sizeof(*set) + h->nr_msrs * sizeof(*msr));
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + h->nr_cpuid * sizeof(*cpuid));
	void *xs = calloc(1, h->xsave_size);
	int n;

	if (!set || !c || !xs)
		die("out of memory");
	c->nent = h->nr_cpuid;
	memcpy(c->entries, cpuid, h->nr_cpuid * sizeof(*cpuid));
	vcpu_ioctl(vcpu, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
	vcpu_ioctl(vcpu, KVM_SET_SREGS2, &r.sregs, "KVM_SET_SREGS2");
	set->nmsrs = h->nr_msrs;
	memcpy(set->entries, msr, h->nr_msrs * sizeof(*msr));
	n = ioctl(vcpu->fd, KVM_SET_MSRS, set);
	if (n != (int)h->nr_msrs)
		die("vCPU %d: KVM_SET_MSRS: MSR %#x refused (%d of %u set)",
		    vcpu->index, n >= 0 && n < (int)h->nr_msrs ?
		    msr[n].index : 0, n, h->nr_msrs);
	memcpy(xs, xsave, h->xsave_size);
	vcpu_ioctl(vcpu, KVM_SET_XSAVE, xs, "KVM_SET_XSAVE");
	vcpu_ioctl(vcpu, KVM_SET_XCRS, &r.xcrs, "KVM_SET_XCRS");
	vcpu_ioctl(vcpu, KVM_SET_LAPIC, &r.lapic, "KVM_SET_LAPIC");
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &r.events, "KVM_SET_VCPU_EVENTS");
	vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &r.mp_state, "KVM_SET_MP_STATE");
	vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &r.debugregs, "KVM_SET_DEBUGREGS");
	vcpu_ioctl(vcpu, KVM_SET_REGS, &r.regs, "KVM_SET_REGS");
	tsc_offset_attr(vcpu, &r.tsc_offset, true);
	vcpu->seen_heartbeat = r.seen_heartbeat;
	free(set);
	free(c);
	free(xs);
}

/**
 * state_load() - give a new VM the state of the old one
 * @vm: a VM from vm_open() and vm_add() on the retrieved guest memory,
 *	with the vCPUs state_describe() gave
 * @state: the state, state_check() passed
 *
 * The kvmclock moves on by the time the host's TSC moved on since the
 * state was taken, like the guest's TSC.
 */
void state_load(struct vm *vm, const void *state)
{
	const struct vmm_state_header *h = state;
	struct kvm_clock_data clock = h->clock;
	uint64_t elapsed = tsc_now() - h->saved_tsc;
	struct kvm_irqchip chip;
	int i;

	for (i = 0; i < 3; i++) {
		chip = h->irqchip[i];
		vm_ioctl(vm, KVM_SET_IRQCHIP, &chip, "KVM_SET_IRQCHIP");
	}
	clock.clock += elapsed / h->tsc_khz * 1000;
	clock.flags = 0;
	memset(clock.pad, 0, sizeof(clock.pad));
	vm_ioctl(vm, KVM_SET_CLOCK, &clock, "KVM_SET_CLOCK");
	for (i = 0; i < vm->nr_vcpus; i++)
		load_vcpu(&vm->vcpus[i], h, record(state, i));
}
