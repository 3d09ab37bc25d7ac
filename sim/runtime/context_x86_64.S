/* The x86-64 (System V, ELF) assembly context switch; see context.h.
 *
 * A suspended context's saved frame, from its saved stack pointer upwards
 * (context_asm.c builds the first one with the same layout):
 *
 *   0   MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes unused
 *   8   r15
 *   16  r14
 *   24  r13
 *   32  r12
 *   40  rbx
 *   48  rbp
 *   56  return address
 *
 * Only what the ABI says a callee preserves is saved: the caller of
 * fl_context_asm_switch already assumes every other register is clobbered.
 * MXCSR and the x87 control word are callee-saved too (rounding modes,
 * exception masks), so each context keeps its own; restoring them costs about
 * a nanosecond and a half, and skipping the restore when unchanged measured
 * slower than doing it unconditionally.
 *
 * Intel CET shadow stacks cannot follow a switch like this one. The object
 * carries no GNU property note claiming shadow-stack support, so the linker
 * marks any program linking it as not using shadow stacks.
 */
#if defined(__x86_64__) && defined(__ELF__)

    .text

/* void fl_context_asm_switch(fl_context_asm_t *from, fl_context_asm_t *to)
 * rdi = from, rsi = to. */
    .globl  fl_context_asm_switch
    .type   fl_context_asm_switch, @function
    .p2align 4
fl_context_asm_switch:
    .cfi_startproc
#if defined(__CET__) && (__CET__ & 1)
    endbr64
#endif
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    leaq    -8(%rsp), %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw  4(%rsp)

    /* The switch proper: from here on we run on the other stack, whose saved
     * frame has the same layout, so the CFI above stays true. */
    movq    %rsp, (%rdi)
    movq    (%rsi), %rsp

    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    leaq    8(%rsp), %rsp
    .cfi_adjust_cfa_offset -8
    popq    %r15
    .cfi_adjust_cfa_offset -8
    popq    %r14
    .cfi_adjust_cfa_offset -8
    popq    %r13
    .cfi_adjust_cfa_offset -8
    popq    %r12
    .cfi_adjust_cfa_offset -8
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    /* Not `ret`: the return-stack predictor holds the address this call came
     * from, on the other stack, so a `ret` here would mispredict on every
     * switch. An indirect jump goes through the branch-target predictor, which
     * learns where a switch usually lands; in a ping-pong this halves the
     * cost of a switch (see bench/bench_switch.c). */
    popq    %rcx
    .cfi_adjust_cfa_offset -8
    jmpq    *%rcx
    .cfi_endproc
    .size   fl_context_asm_switch, .-fl_context_asm_switch

/* The first code a new context runs: the initial frame's return address.
 * fl_context_asm_make put entry in r13 and its argument in r12. We arrive by
 * `ret` with rsp 16-byte aligned, so the call below enters entry with
 * rsp % 16 == 8, as the ABI requires at a function's first instruction. */
    .globl  fl__context_asm_trampoline
    .hidden fl__context_asm_trampoline
    .type   fl__context_asm_trampoline, @function
    .p2align 4
fl__context_asm_trampoline:
    .cfi_startproc
    /* There is no caller: tell debuggers and unwinders to stop here. */
    .cfi_undefined rip
    movq    %r12, %rdi
    callq   *%r13
    /* entry returned, which it must never do. */
    callq   fl__context_entry_returned@PLT
    ud2
    .cfi_endproc
    .size   fl__context_asm_trampoline, .-fl__context_asm_trampoline

#endif /* __x86_64__ && __ELF__ */

#if defined(__ELF__)
/* No executable stack for any program that links this object. */
    .section .note.GNU-stack,"",%progbits
#endif
