package dsl

import "math"

// The scalar semantics of every operation, shared by constant folding, the
// interpreter and (by documentation) generated code, so all agree bit for
// bit.

// Sigmoid returns 1/(1+e^−x), computed without overflow.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus returns log(1+e^x), computed without overflow.
func Softplus(x float64) float64 {
	if x > 30 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func apply1(op Op, a float64) float64 {
	switch op {
	case OpNeg:
		return -a
	case OpSin:
		return math.Sin(a)
	case OpCos:
		return math.Cos(a)
	case OpTan:
		return math.Tan(a)
	case OpExp:
		return math.Exp(a)
	case OpLog:
		return math.Log(a)
	case OpSqrt:
		return math.Sqrt(a)
	case OpAbs:
		return math.Abs(a)
	case OpTanh:
		return math.Tanh(a)
	case OpSigmoid:
		return Sigmoid(a)
	case OpSoftplus:
		return Softplus(a)
	case OpRelu:
		if a > 0 {
			return a
		}
		return 0
	case OpSign:
		return sign(a)
	}
	panic("dsl: apply1 with " + op.String())
}

func apply2(op Op, a, b float64) float64 {
	switch op {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	case OpMul:
		return a * b
	case OpDiv:
		return a / b
	case OpPow:
		return math.Pow(a, b)
	case OpLT:
		return b2f(a < b)
	case OpLE:
		return b2f(a <= b)
	case OpGT:
		return b2f(a > b)
	case OpGE:
		return b2f(a >= b)
	case OpEQ:
		return b2f(a == b)
	case OpNE:
		return b2f(a != b)
	case OpMin:
		return math.Min(a, b)
	case OpMax:
		return math.Max(a, b)
	}
	panic("dsl: apply2 with " + op.String())
}
