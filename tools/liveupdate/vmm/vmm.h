/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm: a minimal KVM VMM whose guest survives a live update of the host.
 * Shared declarations of its files: vm.c (the VM and its vCPUs),
 * state.c (the saved state and its format), session.c (LUO sessions),
 * vmm.c (the command line and the run loop).
 */
#ifndef LUO_VMM_H
#define LUO_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "guest_abi.h"

#define VMM_NAME		"vmm"

/**
 * struct vcpu - one vCPU and its thread
 * @vm: the VM it belongs to
 * @index: its index, also its APIC ID
 * @fd: the vCPU fd
 * @run: its mapped &struct kvm_run
 * @thread: the thread that runs it
 * @seen_heartbeat: the last heartbeat sequence number the VMM saw
 * @seq_errors: heartbeats that were not the one after @seen_heartbeat
 * @faults: fault reports from the guest
 * @first: after a restore, the first heartbeat's sequence number, the
 *	pause the guest saw before it and its counter (0: none yet)
 * @first_pause: see @first
 * @first_counter: see @first
 * @ready: the guest reported in
 * @parked: the thread stopped at an instruction boundary, as asked
 */
struct vcpu {
	struct vm *vm;
	int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t seen_heartbeat;
	uint64_t seq_errors;
	uint64_t faults;
	uint64_t first, first_pause, first_counter;
	bool ready;
	bool parked;
};

/**
 * struct vm - the VM
 * @kvm: /dev/kvm
 * @fd: the VM fd
 * @mem_fd: the memfd of guest memory
 * @mem: guest memory, mapped at guest-physical 0
 * @mem_size: its size in bytes
 * @nr_vcpus: vCPUs in @vcpus
 * @vcpus: the vCPUs
 * @run_size: the size of each &struct kvm_run mapping
 * @tsc_khz: the vCPUs' TSC frequency
 * @lock: protects @stop, @parked and the vCPUs' @parked
 * @cond: signalled when a vCPU parks and when @stop changes
 * @stop: the vCPUs are to park
 * @dead: a vCPU hit an exit the VMM cannot handle
 * @parked: vCPUs parked
 */
struct vm {
	int kvm;
	int fd;
	int mem_fd;
	uint8_t *mem;
	uint64_t mem_size;
	int nr_vcpus;
	struct vcpu vcpus[GUEST_MAX_VCPUS];
	int run_size;
	uint64_t tsc_khz;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool dead;
	int parked;
};

static inline struct guest_status *vcpu_status(struct vm *vm, int index)
{
	return (struct guest_status *)(vm->mem + GUEST_STATUS + index * 4096);
}

/* vmm.c */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
uint64_t tsc_now(void);

/* vm.c */
void vm_open(struct vm *vm);
void vm_add(struct vm *vm, int mem_fd, uint64_t mem_size, int nr_vcpus);
void vm_setup_guest(struct vm *vm);
void vm_start(struct vm *vm);
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
void vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg,
		const char *what);
int vm_ioctl(struct vm *vm, unsigned long req, void *arg, const char *what);

/* state.c */
#define VMM_STATE_VERSION	1

int state_save(struct vm *vm, uint64_t mem_token, uint32_t version,
	       bool corrupt);
int state_check(struct vm *vm, const void *state, uint64_t size,
		uint64_t mem_token, char *why, int why_len);
void state_describe(const void *state, uint64_t *mem_size, int *nr_vcpus);
void state_load(struct vm *vm, const void *state);
uint64_t state_saved_tsc(const void *state);
uint64_t state_saved_counter(const void *state, int index);

/* session.c */
int lu_create_session(const char *name);
int lu_retrieve_session(const char *name);
int lu_preserve(int session, int fd, uint64_t token);
int lu_retrieve(int session, uint64_t token);
int lu_finish(int session);

#endif /* LUO_VMM_H */
