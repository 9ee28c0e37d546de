# f10 removes F10 (docs/findings.md): alloc_iova builds a size-aligned request's mask by shifting
# ~0UL by fls_long(size - 1), which is 64 for a size above 2^63 pages: undefined in C, and on
# x86-64 the range is placed unaligned. Ours shifts only below BITS_PER_LONG and otherwise lets
# the mask be 0: alignment 2^64, which only pfn 0 meets (spec section 3, step 1), as impl/ does.
# The statement is the same in 6.12 and 6.1; a tree where it is not found exactly once gets no
# kernel:PATH+f10 (kernel/fix-source.cmake says why).
set(FIX_FILE "drivers/iommu/iova.c")
set(FIX_STATEMENT "align_mask <<= fls_long(size - 1);")
set(FIX_REPLACEMENT
    "align_mask = fls_long(size - 1) < BITS_PER_LONG ? align_mask << fls_long(size - 1) : 0; /* iovacheck: f10 */")
