package simd

import (
	"runtime"
	"sync"
)

// Blocking parameters (doubles). A KC×NR panel of B (16 KiB) stays in L1
// while the micro-kernel sweeps an MC×KC block of A (192 KiB, L2); a KC×NC
// block of B (4 MiB) lives in L3.
const (
	gemmKC = 256
	gemmMC = 96 // a multiple of both micro-kernels' MR (6 and 4)
	gemmNC = 2048

	// Products with m·n·k at least this are split across goroutines.
	gemmParallelMin = 1 << 19
)

// tile returns the micro-kernel shape of level l.
func tile(avx2 bool) (mr, nr int) {
	if avx2 {
		return 6, 8
	}
	return 4, 4
}

// gemmBuf holds one goroutine's packing buffers; kept in gemmPool so that
// Gemm allocates nothing once warm.
type gemmBuf struct {
	a, b []float64
	t    [6 * 8]float64 // edge tile
}

var gemmPool = sync.Pool{New: func() any { return new(gemmBuf) }}

// Gemm computes C = alpha·op(A)·op(B) + beta·C, row-major, where op(X) is
// X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb and ldc are the
// leading dimensions of A, B and C as stored (A is k×m when transA).
//
// When beta == 0, C is overwritten without being read; when alpha == 0 or
// k == 0, A and B are not read. Large products run on up to
// runtime.GOMAXPROCS goroutines.
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if transA {
		checkMatrix("Gemm", "a", k, m, a, lda)
	} else {
		checkMatrix("Gemm", "a", m, k, a, lda)
	}
	if transB {
		checkMatrix("Gemm", "b", n, k, b, ldb)
	} else {
		checkMatrix("Gemm", "b", k, n, b, ldb)
	}
	checkMatrix("Gemm", "c", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			scaleVec(beta, c[i*ldc:i*ldc+n])
		}
		return
	}
	avx2 := asmBuild && useAVX2
	if m*n*k <= gemmSmallMax {
		gemmSmall(avx2, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if p := runtime.GOMAXPROCS(0); p > 1 && m*n*k >= gemmParallelMin {
		gemmParallel(p, avx2, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	buf := gemmPool.Get().(*gemmBuf)
	gemmSerial(buf, avx2, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	gemmPool.Put(buf)
}

// gemmSerial runs the blocked algorithm on the calling goroutine.
func gemmSerial(buf *gemmBuf, avx2, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	mr, nr := tile(avx2)
	kcMax := min(k, gemmKC)
	ncMax := roundUp(min(n, gemmNC), nr)
	mcMax := roundUp(min(m, gemmMC), mr)
	if need := kcMax * ncMax; cap(buf.b) < need {
		buf.b = make([]float64, need)
	}
	if need := kcMax * mcMax; cap(buf.a) < need {
		buf.a = make([]float64, need)
	}
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			bb := beta
			if pc > 0 {
				bb = 1
			}
			bp := buf.b[:kc*roundUp(nc, nr)]
			packB(transB, b, ldb, pc, jc, kc, nc, nr, bp)
			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				ap := buf.a[:kc*roundUp(mc, mr)]
				packA(transA, a, lda, ic, pc, mc, kc, mr, ap)
				macroKernel(buf, avx2, mc, nc, kc, alpha, bb, ap, bp, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// macroKernel multiplies a packed mc×kc block of A by a packed kc×nc block
// of B into C (which starts at the block's top-left corner).
func macroKernel(buf *gemmBuf, avx2 bool, mc, nc, kc int, alpha, beta float64, ap, bp, c []float64, ldc int) {
	mr, nr := tile(avx2)
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		bpan := bp[jr*kc : (jr+nr)*kc]
		for ir := 0; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			apan := ap[ir*kc : (ir+mr)*kc]
			if rows == mr && cols == nr {
				cc := c[ir*ldc+jr : (ir+mr-1)*ldc+jr+nr]
				if avx2 {
					gemmKernel6x8AVX2(kc, apan, bpan, cc, ldc, alpha, beta)
				} else {
					gemmKernel4x4Go(kc, apan, bpan, cc, ldc, alpha, beta)
				}
				continue
			}
			t := buf.t[:mr*nr]
			if avx2 {
				gemmKernel6x8AVX2(kc, apan, bpan, t, nr, 1, 0)
			} else {
				gemmKernel4x4Go(kc, apan, bpan, t, nr, 1, 0)
			}
			for r := range rows {
				crow := c[(ir+r)*ldc+jr : (ir+r)*ldc+jr+cols]
				trow := t[r*nr : r*nr+cols]
				if beta == 0 {
					for j, v := range trow {
						crow[j] = alpha * v
					}
				} else {
					for j, v := range trow {
						crow[j] = alpha*v + beta*crow[j]
					}
				}
			}
		}
	}
}

// packA copies rows ic..ic+mc, columns pc..pc+kc of op(A) into panels of mr
// rows: panel q holds op(A)[ic+q·mr+r][pc+p] at q·mr·kc + p·mr + r, with
// rows past mc zero.
func packA(trans bool, a []float64, lda, ic, pc, mc, kc, mr int, dst []float64) {
	for q := 0; q*mr < mc; q++ {
		pan := dst[q*mr*kc : (q+1)*mr*kc]
		i0 := ic + q*mr
		rows := min(mr, mc-q*mr)
		if trans {
			// op(A)[i][p] = a[p·lda+i]: rows of a are contiguous in i.
			for p := range kc {
				src := a[(pc+p)*lda+i0 : (pc+p)*lda+i0+rows]
				d := pan[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
			continue
		}
		for r := range rows {
			src := a[(i0+r)*lda+pc : (i0+r)*lda+pc+kc]
			for p, v := range src {
				pan[p*mr+r] = v
			}
		}
		if rows < mr {
			for p := range kc {
				clear(pan[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies rows pc..pc+kc, columns jc..jc+nc of op(B) into panels of nr
// columns: panel q holds op(B)[pc+p][jc+q·nr+j] at q·nr·kc + p·nr + j, with
// columns past nc zero.
func packB(trans bool, b []float64, ldb, pc, jc, kc, nc, nr int, dst []float64) {
	for q := 0; q*nr < nc; q++ {
		pan := dst[q*nr*kc : (q+1)*nr*kc]
		j0 := jc + q*nr
		cols := min(nr, nc-q*nr)
		if !trans {
			for p := range kc {
				d := pan[p*nr : p*nr+nr]
				copy(d, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: rows of b are contiguous in p.
		for j := range cols {
			src := b[(j0+j)*ldb+pc : (j0+j)*ldb+pc+kc]
			for p, v := range src {
				pan[p*nr+j] = v
			}
		}
		if cols < nr {
			for p := range kc {
				clear(pan[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// gemmTask is one goroutine's share of a parallel Gemm: a block of rows or
// columns of C computed by gemmSerial.
type gemmTask struct {
	avx2, transA, transB bool
	m, n, k              int
	alpha, beta          float64
	a, b, c              []float64
	lda, ldb, ldc        int
	wg                   *sync.WaitGroup
}

func (t *gemmTask) run() {
	buf := gemmPool.Get().(*gemmBuf)
	gemmSerial(buf, t.avx2, t.transA, t.transB, t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b, t.ldb, t.beta, t.c, t.ldc)
	gemmPool.Put(buf)
}

// The worker pool is started lazily and grows to GOMAXPROCS-1 goroutines;
// the calling goroutine always computes one share itself.
var (
	gemmTasks     = make(chan gemmTask, 64)
	gemmWorkersMu sync.Mutex
	gemmWorkers   int
	wgPool        = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
)

func gemmWorker() {
	for t := range gemmTasks {
		t.run()
		t.wg.Done()
	}
}

func ensureGemmWorkers(n int) {
	gemmWorkersMu.Lock()
	for gemmWorkers < n {
		go gemmWorker()
		gemmWorkers++
	}
	gemmWorkersMu.Unlock()
}

// gemmParallel splits C into p strips along its longer side (in whole
// micro-tiles) and runs gemmSerial on each.
func gemmParallel(p int, avx2, transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	mr, nr := tile(avx2)
	splitM := m/mr >= n/nr
	var tiles, unit int
	if splitM {
		tiles, unit = (m+mr-1)/mr, mr
	} else {
		tiles, unit = (n+nr-1)/nr, nr
	}
	p = min(p, tiles)
	if p > 1 {
		ensureGemmWorkers(p - 1)
	}
	wg := wgPool.Get().(*sync.WaitGroup)
	var own gemmTask
	start := 0
	for w := range p {
		cnt := tiles / p
		if w < tiles%p {
			cnt++
		}
		lo, hi := start*unit, min((start+cnt)*unit, m)
		if !splitM {
			hi = min((start+cnt)*unit, n)
		}
		start += cnt
		t := gemmTask{avx2: avx2, transA: transA, transB: transB, m: m, n: n, k: k,
			alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, wg: wg}
		if splitM {
			t.m = hi - lo
			t.c = c[lo*ldc:]
			if transA {
				t.a = a[lo:]
			} else {
				t.a = a[lo*lda:]
			}
		} else {
			t.n = hi - lo
			t.c = c[lo:]
			if transB {
				t.b = b[lo*ldb:]
			} else {
				t.b = b[lo:]
			}
		}
		if w == p-1 {
			own = t
			continue
		}
		wg.Add(1)
		gemmTasks <- t
	}
	own.run()
	wg.Wait()
	wgPool.Put(wg)
}
