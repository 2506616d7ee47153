package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ByteSize is a size written as "64MiB", "512 KiB", "1GiB", "100MB" or a
// plain number of bytes. 0 means the default.
type ByteSize int64

func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return &Error{Line: n.Line, Msg: err.Error()}
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize reads a ByteSize.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(t[len(num):]))
	mult := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1000 * 1000, "mib": 1 << 20, "g": 1 << 30, "gb": 1000 * 1000 * 1000, "gib": 1 << 30}[unit]
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || mult == 0 || v < 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q (want e.g. 64MiB, 512KiB)", s)
	}
	return v * mult, nil
}
