/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest payload: 64-bit code, paging on, interrupts off, that keeps
 * rewriting its own memory and checks it as it goes, so that memory that
 * was lost, stale or moved across a live update is found by the guest.
 *
 * Each vCPU owns a slice of data pages and a table with one generation
 * number per page. Page p at generation g holds the words
 * pattern(p, g) + i, i = 0..511; at generation 0 it was never written and
 * holds zeroes. The guest visits its pages in turn: it checks the page
 * against its generation, moves the generation on, and rewrites the page.
 * It keeps a running checksum, the sum of mix(p, gen[p]) over the table,
 * and at the end of every pass adds the table up again and compares. The
 * state of the loop lives in registers (rbx, r11-r15) and in the status
 * block, so a vCPU stopped at any instruction must get both back exactly.
 *
 * Between pages it reads its TSC: a gap longer than a heartbeat interval
 * is a pause (recorded), and every interval it sends a heartbeat.
 *
 * Entry: rdi = the vCPU's status block, rsp = its stack.
 */
#include "guest_abi.h"

#define K_PATTERN	0x9e3779b97f4a7c15
#define K_MIX		0xc2b2ae3d27d4eb4f

	.section .rodata.guest, "a"
	.code64
	.balign 16
	.globl guest_code_start
	.globl guest_code_end
guest_code_start:
	mov	%rdi, %r15
	mov	ST_HB_INTERVAL(%r15), %r13
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r11			/* TSC after the last page */
	lea	(%rax,%r13), %r12		/* next heartbeat */
	mov	ST_CPU(%r15), %eax
	mov	$PORT_READY, %dx
	out	%eax, %dx

next_page:
	mov	ST_CURSOR(%r15), %rbx
	cmp	ST_NPAGES(%r15), %rbx
	jb	1f
	call	check_table
	incq	ST_PASSES(%r15)
	xor	%ebx, %ebx
	mov	%rbx, ST_CURSOR(%r15)
1:	mov	ST_GEN(%r15), %rsi
	mov	(%rsi,%rbx,8), %rcx		/* g = gen[p] */
	mov	%rbx, %rdi
	shl	$12, %rdi
	add	ST_DATA(%r15), %rdi		/* the page */
	xor	%eax, %eax			/* expected word 0 */
	xor	%r8d, %r8d			/* and its step */
	test	%rcx, %rcx
	jz	2f
	call	pattern
	mov	$1, %r8d
2:	xor	%r9d, %r9d
3:	cmp	(%rdi,%r9,8), %rax
	jne	bad_word
	add	%r8, %rax
	inc	%r9
	cmp	$512, %r9
	jb	3b

rewrite:
	call	mix
	sub	%rax, ST_SUM(%r15)
	inc	%rcx
	call	mix
	add	%rax, ST_SUM(%r15)
	call	pattern
	xor	%r9d, %r9d
4:	mov	%rax, (%rdi,%r9,8)
	inc	%rax
	inc	%r9
	cmp	$512, %r9
	jb	4b
	mov	%rcx, (%rsi,%rbx,8)
	incq	ST_COUNTER(%r15)
	inc	%rbx
	mov	%rbx, ST_CURSOR(%r15)

	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r10
	sub	%r11, %r10			/* since the last page */
	mov	%rax, %r11
	cmp	%r13, %r10
	jb	5f
	mov	%r10, ST_PAUSE(%r15)
	incq	ST_PAUSES(%r15)
5:	cmp	%r12, %rax
	jb	next_page
	lea	(%rax,%r13), %r12
	mov	%rax, ST_HB_TSC(%r15)
	incq	ST_HEARTBEATS(%r15)
	mov	ST_CPU(%r15), %eax
	mov	$PORT_HEARTBEAT, %dx
	out	%eax, %dx
	jmp	next_page

/* Word r9 of page rbx is wrong: report it once, then rewrite the page. */
bad_word:
	incq	ST_ERRORS(%r15)
	mov	%rbx, ST_BAD_PAGE(%r15)
	mov	%r9, ST_BAD_WORD(%r15)
	mov	ST_CPU(%r15), %eax
	mov	$PORT_FAULT, %dx
	out	%eax, %dx
	jmp	rewrite

/* rax = pattern(rbx, rcx): word 0 of page rbx at generation rcx. */
pattern:
	mov	%rbx, %rax
	shl	$32, %rax
	or	%rcx, %rax
	movabs	$K_PATTERN, %rdx
	imul	%rdx, %rax
	ret

/* rax = mix(rbx, rcx), 0 for generation 0. */
mix:
	movabs	$K_MIX, %rax
	imul	%rbx, %rax
	xor	%rcx, %rax
	imul	%rcx, %rax
	ret

/* Add the table up again; it must match the running checksum. */
check_table:
	push	%rbx
	push	%rcx
	xor	%r10d, %r10d
	xor	%ebx, %ebx
	mov	ST_GEN(%r15), %rsi
1:	cmp	ST_NPAGES(%r15), %rbx
	jae	2f
	mov	(%rsi,%rbx,8), %rcx
	call	mix
	add	%rax, %r10
	inc	%rbx
	jmp	1b
2:	pop	%rcx
	pop	%rbx
	cmp	ST_SUM(%r15), %r10
	jne	3f
	incq	ST_SUM_OK(%r15)
	ret
3:	incq	ST_ERRORS(%r15)
	movq	$-1, ST_BAD_PAGE(%r15)
	mov	ST_CPU(%r15), %eax
	mov	$PORT_FAULT, %dx
	out	%eax, %dx
	ret
guest_code_end:

	.section .note.GNU-stack, "", @progbits
