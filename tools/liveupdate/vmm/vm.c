// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM: guest memory from a memfd, an in-kernel irqchip, vCPUs
 * that start in 64-bit mode, one thread per vCPU, and stopping them all
 * at an instruction boundary.
 *
 * A vCPU is stopped by setting kvm_run.immediate_exit and kicking its
 * thread with a signal: KVM_RUN returns EINTR wherever the guest was. A
 * port I/O exit is only complete once KVM_RUN was entered again, so the
 * parking thread enters it once more with immediate_exit set, which
 * completes the instruction without running the guest; only then is the
 * vCPU's state consistent for saving.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define KICK_SIGNAL	SIGRTMIN

int vm_ioctl(struct vm *vm, unsigned long req, void *arg, const char *what)
{
	int ret = ioctl(vm->fd, req, arg);

	if (ret < 0)
		die("%s: %s", what, strerror(errno));
	return ret;
}

void vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg,
		const char *what)
{
	if (ioctl(vcpu->fd, req, arg) < 0)
		die("vCPU %d: %s: %s", vcpu->index, what, strerror(errno));
}

static void kick_handler(int sig)
{
	(void)sig;
}

/**
 * vm_open() - open KVM and create an empty VM
 * @vm: the VM, zeroed
 */
void vm_open(struct vm *vm)
{
	int ret;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	ret = ioctl(vm->kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		die("KVM API version %d, expected %d", ret, KVM_API_VERSION);
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
}

/**
 * vm_add() - give a VM from vm_open() its memory, irqchip and vCPUs
 * @vm: the VM
 * @mem_fd: the memfd that holds guest memory
 * @mem_size: its size
 * @nr_vcpus: how many vCPUs
 *
 * The vCPUs have no state yet: vm_setup_guest() or state_load() gives
 * them theirs.
 */
void vm_add(struct vm *vm, int mem_fd, uint64_t mem_size, int nr_vcpus)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
	};
	struct sigaction sa = { .sa_handler = kick_handler };
	int i, ret;

	vm->mem_fd = mem_fd;
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       mem_fd, 0);
	if (vm->mem == MAP_FAILED)
		die("mapping guest memory: %s", strerror(errno));
	region.userspace_addr = (uintptr_t)vm->mem;
	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region,
		 "KVM_SET_USER_MEMORY_REGION");
	vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");

	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	sigaction(KICK_SIGNAL, &sa, NULL);

	vm->nr_vcpus = nr_vcpus;
	for (i = 0; i < nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->index = i;
		vcpu->fd = vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(long)i,
				    "KVM_CREATE_VCPU");
		vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED)
			die("mapping kvm_run: %s", strerror(errno));
	}
	ret = ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
	if (ret <= 0)
		die("KVM_GET_TSC_KHZ: %s", strerror(errno));
	vm->tsc_khz = ret;
}

/* The host's supported CPUID, as KVM_SET_CPUID2 takes it. */
static struct kvm_cpuid2 *supported_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int n = 100;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("out of memory");
		cpuid->nent = n;
		if (!ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
			return cpuid;
		if (errno != E2BIG)
			die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(cpuid);
		n *= 2;
	}
}

static void set_segment(struct kvm_segment *seg, uint16_t selector,
			uint8_t type, bool code)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = selector;
	seg->limit = 0xffffffff;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->g = 1;
	seg->l = code;
	seg->db = !code;
}

/* 64-bit mode with paging, straight away, as firmware would leave it. */
static void vcpu_setup_long_mode(struct vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	struct vm *vm = vcpu->vm;
	struct guest_status *st = vcpu_status(vm, vcpu->index);
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	set_segment(&sregs.cs, 0x08, 11, true);
	set_segment(&sregs.ds, 0x10, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = 0x18;
	sregs.tr.base = GUEST_GDT + 0x100;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	sregs.gdt.base = GUEST_GDT;
	sregs.gdt.limit = 0x27;
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = 0x620;		/* OSXMMEXCPT OSFXSR PAE */
	sregs.efer = 0x500;		/* LMA LME */
	vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE;
	regs.rflags = 0x2;
	regs.rdi = (uintptr_t)((uint8_t *)st - vm->mem);
	regs.rsp = GUEST_STACKS + (vcpu->index + 1) * 4096;
	vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	/* With the in-kernel APIC, vCPUs but the first would wait for SIPI. */
	vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &runnable, "KVM_SET_MP_STATE");
}

/**
 * vm_setup_guest() - a fresh guest: page tables, GDT, payload, status
 * @vm: a VM from vm_add() on zeroed memory
 *
 * Data pages are split evenly among the vCPUs; each gets its generation
 * table below the data, 8 bytes per page.
 */
void vm_setup_guest(struct vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->mem + GUEST_PDPT);
	uint64_t *gdt = (uint64_t *)(vm->mem + GUEST_GDT);
	uint64_t code = guest_code_end - guest_code_start;
	uint64_t gb, addr, pages, per_vcpu, data;
	struct kvm_cpuid2 *cpuid;
	int i;

	if (code > GUEST_CODE_MAX)
		die("guest payload of %llu bytes does not fit",
		    (unsigned long long)code);
	pml4[0] = GUEST_PDPT | 3;
	for (gb = 0; gb * (1ULL << 30) < vm->mem_size; gb++)
		pdpt[gb] = (GUEST_PD + gb * 4096) | 3;
	for (addr = 0; addr < vm->mem_size; addr += 2 << 20)
		((uint64_t *)(vm->mem + GUEST_PD))[addr >> 21] = addr | 0x83;
	gdt[1] = 0x00af9b000000ffffULL;		/* 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL;		/* data */
	gdt[3] = 0x00008b0000000067ULL | ((uint64_t)(GUEST_GDT + 0x100) << 16);
	memcpy(vm->mem + GUEST_CODE, guest_code_start, code);

	/* Pages p: 8 bytes of table + 4 KiB, data 2 MiB aligned. */
	pages = (vm->mem_size - GUEST_GEN - (2 << 20)) / (4096 + 8);
	per_vcpu = pages / vm->nr_vcpus;
	data = (GUEST_GEN + pages * 8 + (2 << 20) - 1) & ~((2ULL << 20) - 1);
	if (per_vcpu < 16)
		die("%llu MiB of guest memory is too little",
		    (unsigned long long)(vm->mem_size >> 20));

	cpuid = supported_cpuid(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct guest_status *st = vcpu_status(vm, i);

		st->gen = GUEST_GEN + i * per_vcpu * 8;
		st->data = data + i * per_vcpu * 4096;
		st->npages = per_vcpu;
		st->cpu = i;
		st->hb_interval = vm->tsc_khz * 100;	/* 100 ms */
		vcpu_setup_long_mode(&vm->vcpus[i], cpuid);
	}
	free(cpuid);
}

static void vcpu_report_fault(struct vcpu *vcpu)
{
	struct guest_status *st = vcpu_status(vcpu->vm, vcpu->index);

	vcpu->faults++;
	if (st->bad_page == UINT64_MAX)
		say("vCPU %d: guest FAULT: its table checksum does not match (pass %llu)",
		    vcpu->index, (unsigned long long)st->passes);
	else
		say("vCPU %d: guest FAULT: page %llu word %llu is not what it wrote (pass %llu)",
		    vcpu->index, (unsigned long long)st->bad_page,
		    (unsigned long long)st->bad_word,
		    (unsigned long long)st->passes);
}

static void vcpu_heartbeat(struct vcpu *vcpu)
{
	struct guest_status *st = vcpu_status(vcpu->vm, vcpu->index);
	uint64_t seq = st->heartbeats;

	if (seq != vcpu->seen_heartbeat + 1) {
		vcpu->seq_errors++;
		say("vCPU %d: heartbeat %llu after %llu: out of sequence",
		    vcpu->index, (unsigned long long)seq,
		    (unsigned long long)vcpu->seen_heartbeat);
	}
	if (!vcpu->first) {
		vcpu->first_pause = st->pause;
		vcpu->first_counter = st->counter;
		/* The main thread reads the other two once it sees this. */
		__atomic_store_n(&vcpu->first, seq, __ATOMIC_RELEASE);
	}
	vcpu->seen_heartbeat = seq;
}

/* Handle one exit; false if the VM cannot go on. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4)
			break;
		switch (run->io.port) {
		case PORT_READY:
			vcpu->ready = true;
			return true;
		case PORT_HEARTBEAT:
			vcpu_heartbeat(vcpu);
			return true;
		case PORT_FAULT:
			vcpu_report_fault(vcpu);
			return true;
		}
		break;
	case KVM_EXIT_INTR:
		return true;
	}
	{
		struct kvm_regs regs = { 0 };

		ioctl(vcpu->fd, KVM_GET_REGS, &regs);
		say("vCPU %d: the guest stopped: exit reason %u (port %#x), rip %#llx",
		    vcpu->index, run->exit_reason,
		    run->exit_reason == KVM_EXIT_IO ? run->io.port : 0,
		    (unsigned long long)regs.rip);
	}
	return false;
}

static void vcpu_park(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	/* Completes a pending port I/O without running the guest. */
	vcpu->run->immediate_exit = 1;
	if (ioctl(vcpu->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		die("vCPU %d: completing the last exit failed: %s",
		    vcpu->index, strerror(errno));
	pthread_mutex_lock(&vm->lock);
	vcpu->parked = true;
	vm->parked++;
	pthread_cond_broadcast(&vm->cond);
	while (vm->stop)
		pthread_cond_wait(&vm->cond, &vm->lock);
	vcpu->parked = false;
	vm->parked--;
	vcpu->run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	for (;;) {
		bool stop;

		pthread_mutex_lock(&vm->lock);
		stop = vm->stop;
		pthread_mutex_unlock(&vm->lock);
		if (stop) {
			vcpu_park(vcpu);
			continue;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("vCPU %d: KVM_RUN: %s", vcpu->index, strerror(errno));
		}
		if (!vcpu_handle_exit(vcpu)) {
			pthread_mutex_lock(&vm->lock);
			vm->dead = true;
			pthread_cond_broadcast(&vm->cond);
			pthread_mutex_unlock(&vm->lock);
			break;
		}
	}
	return NULL;
}

/**
 * vm_start() - start one thread per vCPU
 * @vm: the VM, its vCPUs set up
 */
void vm_start(struct vm *vm)
{
	sigset_t set;
	int i;

	/* The kick signal reaches only the vCPU threads. */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
				   &vm->vcpus[i]))
			die("cannot start the thread of vCPU %d", i);
}

/**
 * vm_pause() - stop every vCPU at an instruction boundary
 * @vm: the running VM
 *
 * Returns once all vCPUs are parked, their last exits completed.
 */
void vm_pause(struct vm *vm)
{
	int i;

	pthread_mutex_lock(&vm->lock);
	vm->stop = true;
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].run->immediate_exit = 1;
		pthread_kill(vm->vcpus[i].thread, KICK_SIGNAL);
	}
	while (vm->parked < vm->nr_vcpus && !vm->dead)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	if (vm->dead)
		die("the VM died while it was being stopped");
}

/**
 * vm_resume() - let the parked vCPUs run again
 * @vm: a VM stopped by vm_pause()
 */
void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->stop = false;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}
