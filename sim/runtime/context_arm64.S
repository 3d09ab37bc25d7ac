/* The arm64 (AAPCS64, ELF) assembly context switch; see context.h.
 *
 * A suspended context's saved frame, from its saved stack pointer upwards
 * (context_asm.c builds the first one with the same layout), 160 bytes so the
 * stack pointer stays 16-byte aligned as the architecture requires:
 *
 *   0   x19 x20      48  x25 x26      96   d8  d9      144 d14 d15
 *   16  x21 x22      64  x27 x28      112  d10 d11
 *   32  x23 x24      80  x29 x30      128  d12 d13
 *
 * x30 (the link register) is the resume address. Only what the ABI says a
 * callee preserves is saved: the caller of fl_context_asm_switch already
 * assumes every other register is clobbered (of v8-v15 only the low 64 bits,
 * d8-d15, are callee-saved).
 */
#if defined(__aarch64__) && defined(__ELF__)

    .text

/* void fl_context_asm_switch(fl_context_asm_t *from, fl_context_asm_t *to)
 * x0 = from, x1 = to. */
    .globl  fl_context_asm_switch
    .type   fl_context_asm_switch, %function
    .p2align 4
fl_context_asm_switch:
    .cfi_startproc
#if defined(__ARM_FEATURE_BTI_DEFAULT)
    hint    #34                     /* bti c: a valid indirect-call target */
#endif
    sub     sp, sp, #160
    .cfi_adjust_cfa_offset 160
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]

    /* The switch proper: from here on we run on the other stack. */
    mov     x9, sp
    str     x9, [x0]
    ldr     x9, [x1]
    mov     sp, x9

    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #160
    .cfi_adjust_cfa_offset -160
    ret
    .cfi_endproc
    .size   fl_context_asm_switch, .-fl_context_asm_switch

/* The first code a new context runs: the initial frame's x30.
 * fl_context_asm_make put entry in x20 and its argument in x19, and left sp
 * 16-byte aligned at the top of the stack. */
    .globl  fl__context_asm_trampoline
    .hidden fl__context_asm_trampoline
    .type   fl__context_asm_trampoline, %function
    .p2align 4
fl__context_asm_trampoline:
    .cfi_startproc
    /* There is no caller: tell debuggers and unwinders to stop here. */
    .cfi_undefined x30
    mov     x0, x19
    blr     x20
    /* entry returned, which it must never do. */
    bl      fl__context_entry_returned
    brk     #0
    .cfi_endproc
    .size   fl__context_asm_trampoline, .-fl__context_asm_trampoline

#endif /* __aarch64__ && __ELF__ */

#if defined(__ELF__)
/* No executable stack for any program that links this object. */
    .section .note.GNU-stack,"",%progbits
#endif
