package panels

import (
	"math"
	"strconv"
	"strings"
)

// FormatValue renders v in a unit: percent (0-100), ratio (0-1 shown as
// %), bytes, bytes/s, seconds, short (1.2k, 3.4M). decimals < 0 picks.
func FormatValue(v float64, unit string, decimals int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	switch unit {
	case "percent":
		return num(v, decimals, 1) + "%"
	case "ratio":
		return num(v*100, decimals, 1) + "%"
	case "bytes":
		return bytesIEC(v, decimals)
	case "bytes/s":
		return bytesIEC(v, decimals) + "/s"
	case "seconds":
		return duration(v, decimals)
	default:
		return short(v, decimals)
	}
}

func num(v float64, decimals, def int) string {
	if decimals < 0 {
		decimals = def
		if math.Abs(v) >= 100 || v == math.Trunc(v) {
			decimals = 0
		}
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

func bytesIEC(v float64, decimals int) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return num(v, decimals, 0) + " " + units[i]
	}
	return num(v, decimals, 1) + " " + units[i]
}

func duration(v float64, decimals int) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0s"
	case a < 1e-3:
		return num(v*1e6, decimals, 0) + "µs"
	case a < 1:
		return num(v*1e3, decimals, 0) + "ms"
	case a < 60:
		return num(v, decimals, 2) + "s"
	case a < 3600:
		return num(v/60, decimals, 1) + "m"
	case a < 86400:
		return num(v/3600, decimals, 1) + "h"
	}
	return num(v/86400, decimals, 1) + "d"
}

func short(v float64, decimals int) string {
	a := math.Abs(v)
	suffixes := []struct {
		div float64
		s   string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}
	for _, s := range suffixes {
		if a >= s.div {
			return num(v/s.div, decimals, 1) + s.s
		}
	}
	if decimals < 0 && v != math.Trunc(v) {
		s := strconv.FormatFloat(v, 'f', 2, 64)
		if a >= 10 {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return num(v, decimals, 0)
}

// levelWord is the non-colour signal of a level.
func levelWord(l Level) string {
	switch l {
	case LevelOK:
		return "✓ OK"
	case LevelWarn:
		return "! WARN"
	case LevelCrit:
		return "✗ CRIT"
	}
	return ""
}

// levelMark is the one-cell marker of a level.
func levelMark(l Level) string {
	switch l {
	case LevelWarn:
		return "!"
	case LevelCrit:
		return "✗"
	}
	return " "
}
