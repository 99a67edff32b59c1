// The peer that users would otherwise build: a controller-runtime webhook whose Defaulter
// on Pod makes the same injection graphdata makes into the benchmark's Kyuubi executor
// (test/golden/manifests/spark-executor-kyuubi.injected.yaml), with no policy, no
// enforcement and no logging per request. Built by build.sh into the cache; used only by
// `npm run bench` (test/bench/webhook-load.ts).
package main

import (
	"context"
	"flag"
	"net/http"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

const (
	injectedAnnotation = "graphdata.io/injected"
	injectedRecord     = `{"policy":"ClusterGraphDataPolicy/default","generation":1,"workload":"spark-executor","containers":["spark-kubernetes-executor"],"mutators":["client-jar","client-config","domain-socket","placement","images"]}`
	clientVolume       = "graphdata-alluxio-client"
	domainVolume       = "graphdata-alluxio-domain"
	clientJar          = "alluxio-2.9.4-client.jar"
	clientDir          = "/opt/graphdata/alluxio-client"
	domainDir          = "/opt/domain"
	alluxioOptions     = " -Dalluxio.master.hostname=alluxio-master-0.alluxio -Dalluxio.master.rpc.port=19998" +
		" -Dalluxio.user.short.circuit.enabled=true -Dalluxio.user.hostname=$(ALLUXIO_CLIENT_HOSTNAME)" +
		" -Dalluxio.worker.data.server.domain.socket.address=/opt/domain" +
		" -Dalluxio.worker.data.server.domain.socket.as.uuid=true"
)

type injector struct{}

// Default injects a Spark executor once: the annotation makes a second pass a no-op.
func (injector) Default(_ context.Context, pod *corev1.Pod) error {
	if pod.Labels["spark-role"] != "executor" || pod.Annotations[injectedAnnotation] != "" {
		return nil
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[injectedAnnotation] = injectedRecord
	if pod.Spec.NodeSelector == nil {
		pod.Spec.NodeSelector = map[string]string{}
	}
	pod.Spec.NodeSelector["alluxio"] = "true"

	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if c.Name != "spark-kubernetes-executor" {
			continue
		}
		c.Env = append(c.Env, corev1.EnvVar{
			Name:      "ALLUXIO_CLIENT_HOSTNAME",
			ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.hostIP"}},
		})
		found := false
		for j := range c.Env {
			if c.Env[j].Name == "JAVA_TOOL_OPTIONS" {
				c.Env[j].Value = strings.TrimSpace(c.Env[j].Value + alluxioOptions)
				found = true
			}
		}
		if !found {
			c.Env = append(c.Env, corev1.EnvVar{Name: "JAVA_TOOL_OPTIONS", Value: strings.TrimSpace(alluxioOptions)})
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: "SPARK_EXTRA_CLASSPATH", Value: clientDir + "/" + clientJar})
		c.VolumeMounts = append(c.VolumeMounts,
			corev1.VolumeMount{Name: clientVolume, MountPath: clientDir, ReadOnly: true},
			corev1.VolumeMount{Name: domainVolume, MountPath: domainDir, ReadOnly: true},
		)
	}

	directory := corev1.HostPathDirectory
	pod.Spec.Volumes = append(pod.Spec.Volumes,
		corev1.Volume{Name: clientVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: domainVolume, VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/alluxio-domain", Type: &directory},
		}},
	)
	nonRoot, noEscalation, readOnly := true, false, true
	uid := int64(1000)
	pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{
		Name:         clientVolume,
		Image:        "alluxio/alluxio:2.9.4",
		Command:      []string{"cp", "/opt/alluxio/client/" + clientJar, "/graphdata/client/" + clientJar},
		VolumeMounts: []corev1.VolumeMount{{Name: clientVolume, MountPath: "/graphdata/client"}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi"),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("128Mi"),
			},
		},
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             &nonRoot,
			RunAsUser:                &uid,
			AllowPrivilegeEscalation: &noEscalation,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			ReadOnlyRootFilesystem:   &readOnly,
		},
	})
	return nil
}

func main() {
	port := flag.Int("port", 9443, "HTTPS port")
	certDir := flag.String("cert-dir", "", "directory holding tls.crt and tls.key")
	flag.Parse()

	// No log sink: the peer writes nothing per request, which can only flatter it.
	ctrl.SetLogger(logr.Discard())
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	server := webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: *port, CertDir: *certDir})
	server.Register("/mutate", admission.WithDefaulter[*corev1.Pod](scheme, injector{}))
	server.WebhookMux().HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	if err := server.Start(ctrl.SetupSignalHandler()); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
