{{/*
The chart name, or nameOverride.
*/}}
{{- define "meridian.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of the release's objects: fullnameOverride, or "<release>-<chart>" (just the release
name when it already contains the chart name). Kept at 57 characters so that "-admin" and
"-tokens" suffixes stay within the 63 characters of a DNS label.
*/}}
{{- define "meridian.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 57 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 57 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 57 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "meridian.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
*/}}
{{- define "meridian.labels" -}}
helm.sh/chart: {{ include "meridian.chart" . }}
{{ include "meridian.selectorLabels" . }}
app.kubernetes.io/version: {{ regexReplaceAll "[^A-Za-z0-9_.-]" (include "meridian.imageTag" .) "_" | trunc 63 | trimAll "_.-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meridian
{{- end }}

{{/*
The labels that select the pods; never change them in an upgrade (a Deployment's selector is
immutable).
*/}}
{{- define "meridian.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meridian.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "meridian.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "meridian.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "meridian.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The Secret with the admin tokens: the user's, or the one the chart generates.
*/}}
{{- define "meridian.tokensSecretName" -}}
{{- .Values.adminTokens.existingSecret | default (printf "%s-tokens" (include "meridian.fullname" .)) }}
{{- end }}

{{/* Where the chart mounts what it mounts. */}}
{{- define "meridian.configDir" -}}/etc/meridian{{- end }}
{{- define "meridian.stateDir" -}}/var/lib/meridian{{- end }}
{{- define "meridian.listenTlsDir" -}}/var/run/secrets/meridian/tls{{- end }}
{{- define "meridian.etcdTlsDir" -}}/var/run/secrets/meridian/etcd{{- end }}

{{/*
The Meridian configuration as the pods read it: .Values.config plus what the chart mounts
(GeoIP database, listener certificate, etcd settings). Refuses values that contradict each other.
*/}}
{{- define "meridian.configData" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- if .Values.geoip.enabled }}
{{- $geo := get $config "geo" | default dict }}
{{- $database := printf "%s/%s.mmdb" .Values.geoip.mountPath .Values.geoip.edition }}
{{- if and (hasKey $geo "database") (ne (toString $geo.database) $database) }}
{{- fail (printf "config.geo.database is %s, but with geoip.enabled the chart mounts the database at %s: remove config.geo.database" $geo.database $database) }}
{{- end }}
{{- $_ := set $geo "database" $database }}
{{- $_ := set $config "geo" $geo }}
{{- end }}
{{- if .Values.listenTls.secretName }}
{{- $listen := get $config "listen" | default dict }}
{{- $tls := get $listen "tls" | default dict }}
{{- $dir := include "meridian.listenTlsDir" . }}
{{- range $key, $file := dict "certificate" "tls.crt" "key" "tls.key" }}
{{- $path := printf "%s/%s" $dir $file }}
{{- if and (hasKey $tls $key) (ne (toString (get $tls $key)) $path) }}
{{- fail (printf "config.listen.tls.%s is %s, but with listenTls.secretName the chart mounts it at %s: remove config.listen.tls.%s" $key (get $tls $key) $path $key) }}
{{- end }}
{{- $_ := set $tls $key $path }}
{{- end }}
{{- $_ := set $listen "tls" $tls }}
{{- $_ := set $config "listen" $listen }}
{{- end }}
{{- $etcd := .Values.fleet.etcd }}
{{- if hasKey $config "fleet" }}
{{- fail "config.fleet: set the etcd settings under fleet.etcd in the values (the chart mounts their secrets), not in config" }}
{{- end }}
{{- if $etcd.endpoints }}
{{- $out := dict "endpoints" $etcd.endpoints "prefix" $etcd.prefix "cache-file" $etcd.cacheFile }}
{{- if $etcd.tls.secretName }}
{{- $dir := include "meridian.etcdTlsDir" . }}
{{- $tls := dict }}
{{- if $etcd.tls.caKey }}
{{- $_ := set $tls "ca" (printf "%s/%s" $dir $etcd.tls.caKey) }}
{{- end }}
{{- if $etcd.tls.clientCertificate }}
{{- $_ := set $tls "certificate" (printf "%s/%s" $dir $etcd.tls.certificateKey) }}
{{- $_ := set $tls "key" (printf "%s/%s" $dir $etcd.tls.keyKey) }}
{{- end }}
{{- $_ := set $out "tls" $tls }}
{{- end }}
{{- if $etcd.auth.existingSecret }}
{{- $_ := set $out "username" "${MERIDIAN_ETCD_USERNAME}" }}
{{- $_ := set $out "password" "${MERIDIAN_ETCD_PASSWORD}" }}
{{- end }}
{{- $timeouts := dict }}
{{- range $key := list "connect" "request" }}
{{- if get $etcd.timeouts $key }}
{{- $_ := set $timeouts $key (get $etcd.timeouts $key) }}
{{- end }}
{{- end }}
{{- if $timeouts }}
{{- $_ := set $out "timeouts" $timeouts }}
{{- end }}
{{- $_ := set $config "fleet" (dict "etcd" $out) }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* A port from the configuration, with Meridian's default; 0 (ephemeral) cannot be probed. */}}
{{- define "meridian.port" -}}
{{- $section := get .config .section | default dict }}
{{- $port := .default }}
{{- if hasKey $section "port" }}
{{- $port = get $section "port" | int }}
{{- end }}
{{- if eq $port 0 }}
{{- fail (printf "config.%s.port: 0 picks a random port, which a Service and probes cannot reach; set a port" .section) }}
{{- end }}
{{- $port }}
{{- end }}

{{- define "meridian.listenPort" -}}
{{- include "meridian.port" (dict "config" .Values.config "section" "listen" "default" 8080) }}
{{- end }}

{{- define "meridian.adminPort" -}}
{{- include "meridian.port" (dict "config" .Values.config "section" "admin" "default" 9901) }}
{{- end }}

{{/* The client port's name: https when the listener terminates TLS. */}}
{{- define "meridian.listenPortName" -}}
{{- $listen := get .Values.config "listen" | default dict }}
{{- if or .Values.listenTls.secretName (get $listen "tls") }}https{{ else }}http{{ end }}
{{- end }}

{{/* HTTPS when the admin API is served over TLS (kubelet probes do not verify the certificate). */}}
{{- define "meridian.adminScheme" -}}
{{- $admin := get .Values.config "admin" | default dict }}
{{- if get $admin "tls" }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/*
config.server.shutdown-grace in whole seconds, rounded up (Meridian's default 30s when absent).
*/}}
{{- define "meridian.shutdownGraceSeconds" -}}
{{- $server := get .Values.config "server" | default dict }}
{{- $grace := get $server "shutdown-grace" | default "30s" | toString }}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h)$" $grace) }}
{{- fail (printf "config.server.shutdown-grace: '%s' is not a duration (expected e.g. 30s, 2m)" $grace) }}
{{- end }}
{{- $amount := regexFind "^[0-9]+" $grace | int64 }}
{{- $unit := regexFind "[a-z]+$" $grace }}
{{- if eq $unit "ms" }}{{ div (add $amount 999) 1000 }}
{{- else if eq $unit "s" }}{{ $amount }}
{{- else if eq $unit "m" }}{{ mul $amount 60 }}
{{- else }}{{ mul $amount 3600 }}
{{- end }}
{{- end }}

{{/*
How long Kubernetes waits between the start of termination and SIGKILL: it must cover the preStop
sleep and the drain (server.shutdown-grace); 10 more seconds let the JVM exit after the drain.
*/}}
{{- define "meridian.terminationGracePeriodSeconds" -}}
{{- $needed := add (int .Values.preStop.sleepSeconds) (include "meridian.shutdownGraceSeconds" . | int) }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $needed 10 }}
{{- else }}
{{- $given := .Values.terminationGracePeriodSeconds | int }}
{{- if lt $given $needed }}
{{- fail (printf "terminationGracePeriodSeconds: %d is less than preStop.sleepSeconds + config.server.shutdown-grace = %d seconds: requests in flight would be killed" $given $needed) }}
{{- end }}
{{- $given }}
{{- end }}
{{- end }}

{{/*
The geoipupdate container (MaxMind's image), as the init container (frequencyHours 0: one run,
then exit) and as the sidecar (a run every frequencyHours). It writes the database into the geoip
volume, mounted where the image expects it; Meridian mounts the same volume at geoip.mountPath.
*/}}
{{- define "meridian.geoipupdateContainer" -}}
{{- $root := .root }}
{{- $updater := $root.Values.geoip.updater -}}
image: "{{ $updater.image.repository }}:{{ $updater.image.tag }}"
imagePullPolicy: {{ $updater.image.pullPolicy }}
env:
  - name: GEOIPUPDATE_ACCOUNT_ID
    valueFrom:
      secretKeyRef:
        name: {{ $updater.existingSecret }}
        key: {{ $updater.accountIdKey }}
  - name: GEOIPUPDATE_LICENSE_KEY
    valueFrom:
      secretKeyRef:
        name: {{ $updater.existingSecret }}
        key: {{ $updater.licenseKeyKey }}
  - name: GEOIPUPDATE_EDITION_IDS
    value: {{ $root.Values.geoip.edition | quote }}
  - name: GEOIPUPDATE_DB_DIR
    value: /usr/share/GeoIP
  {{- if .frequencyHours }}
  - name: GEOIPUPDATE_FREQUENCY
    value: {{ .frequencyHours | quote }}
  {{- end }}
resources:
  {{- toYaml $updater.resources | nindent 2 }}
securityContext:
  {{- toYaml $root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: geoip
    mountPath: /usr/share/GeoIP
  - name: geoipupdate-state
    mountPath: /var/lib/geoipupdate
{{- end }}
