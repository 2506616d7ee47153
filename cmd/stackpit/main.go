// Command stackpit is a terminal cockpit for OpenStack operators.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "stackpit: shell under construction")
	os.Exit(1)
}
