//go:build !unix

package prompt_test

import "time"

// processCPU is not measured here: the benchmark reports no CPU time.
func processCPU() time.Duration { return 0 }
