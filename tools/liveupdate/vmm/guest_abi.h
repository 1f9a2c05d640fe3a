/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VMM and its guest payload (guest.S) agree on: where things are
 * in guest memory, the layout of each vCPU's status block, and the I/O
 * ports the guest reports through. Included from C and from assembly.
 */
#ifndef LUO_VMM_GUEST_ABI_H
#define LUO_VMM_GUEST_ABI_H

/* Guest-physical layout; memory is identity mapped with 2 MiB pages. */
#define GUEST_PML4		0x1000
#define GUEST_PDPT		0x2000
#define GUEST_PD		0x3000	/* one page per GiB, up to 4 */
#define GUEST_GDT		0x7000
#define GUEST_CODE		0x8000
#define GUEST_CODE_MAX		0x7000
#define GUEST_STATUS		0x10000	/* one page per vCPU */
#define GUEST_STACKS		0x20000	/* one page per vCPU */
#define GUEST_MAX_VCPUS		16
#define GUEST_GEN		0x100000 /* generation tables, then data */

/* Ports: the guest writes its vCPU index (32 bits) to one of them. */
#define PORT_READY		0x500	/* set up, first pass begins */
#define PORT_HEARTBEAT		0x501	/* ST_HEARTBEATS went up by one */
#define PORT_FAULT		0x502	/* ST_ERRORS went up by one */

/*
 * The status block of one vCPU (struct guest_status), by byte offset.
 * The VMM fills the first five fields before the guest starts; the guest
 * owns the rest.
 */
#define ST_GEN			0	/* GPA of the generation table */
#define ST_DATA			8	/* GPA of the first data page */
#define ST_NPAGES		16	/* data pages of this vCPU */
#define ST_CPU			24	/* vCPU index */
#define ST_HB_INTERVAL		32	/* TSC ticks between heartbeats */
#define ST_CURSOR		40	/* next page to check and rewrite */
#define ST_COUNTER		48	/* pages rewritten */
#define ST_PASSES		56	/* passes over all pages completed */
#define ST_SUM			64	/* running checksum of the table */
#define ST_SUM_OK		72	/* passes whose checksum matched */
#define ST_ERRORS		80	/* mismatches found */
#define ST_BAD_PAGE		88	/* last bad page; -1: checksum */
#define ST_BAD_WORD		96	/* its first bad word */
#define ST_HEARTBEATS		104	/* heartbeat sequence number */
#define ST_HB_TSC		112	/* guest TSC at the last heartbeat */
#define ST_PAUSE		120	/* TSC ticks of the last pause */
#define ST_PAUSES		128	/* pauses seen: gaps over a heartbeat */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct guest_status {
	uint64_t gen, data, npages, cpu, hb_interval;
	uint64_t cursor, counter, passes, sum, sum_ok, errors;
	uint64_t bad_page, bad_word, heartbeats, hb_tsc, pause, pauses;
};

_Static_assert(__builtin_offsetof(struct guest_status, pauses) == ST_PAUSES,
	       "guest_abi.h offsets and struct guest_status disagree");

extern const unsigned char guest_code_start[], guest_code_end[];
#endif

#endif /* LUO_VMM_GUEST_ABI_H */
