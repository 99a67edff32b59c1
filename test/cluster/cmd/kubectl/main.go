// kubectl, built only when the machine has none on PATH: the e2e tests need the real
// kubectl to find the kubectl-graphdata plugin.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	os.Exit(cli.Run(cmd.NewDefaultKubectlCommand()))
}
