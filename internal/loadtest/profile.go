package loadtest

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

// startProfiles starts a CPU profile and block profiling and writes an
// allocation profile baseline; the returned function stops them and writes
// the block profile and the final allocation profile (compare with
// go tool pprof -base FILE.base FILE). Empty names skip a profile.
func startProfiles(cpu, mem, block string) (stop func() error, err error) {
	var cpuFile *os.File
	if block != "" {
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	}
	if mem != "" {
		runtime.GC()
		if err := writeProfile("allocs", mem+".base"); err != nil {
			return nil, err
		}
	}
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, err
		}
	}
	return func() error {
		var err error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			err = cpuFile.Close()
		}
		if mem != "" {
			runtime.GC()
			err = errors.Join(err, writeProfile("allocs", mem))
		}
		if block != "" {
			runtime.SetBlockProfileRate(0)
			err = errors.Join(err, writeProfile("block", block))
		}
		return err
	}, nil
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
