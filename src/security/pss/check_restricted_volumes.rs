//! `restrictedVolumes` (restricted, 1.0+; overrides hostPathVolumes): a port of k8s.io/pod-security-admission `policy/check_restrictedVolumes.go`
//! (module v0.37.x). Lay it beside that file: same checks, same version gates, same wording.

#[allow(unused_imports)]
use super::*;

pub(super) fn restricted_volumes_1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Fail> {
    let mut bad: Vec<&str> = Vec::new();
    let mut types: BTreeSet<&str> = BTreeSet::new();
    for vol in spec.volumes.iter().flatten() {
        let allowed = vol.config_map.is_some()
            || vol.csi.is_some()
            || vol.downward_api.is_some()
            || vol.empty_dir.is_some()
            || vol.ephemeral.is_some()
            || vol.image.is_some()
            || vol.persistent_volume_claim.is_some()
            || vol.projected.is_some()
            || vol.secret.is_some();
        if allowed || volume_source_unset(vol) {
            // A volume without a source is defaulted to emptyDir by the API server
            // (SetDefaults_Volume) before admission runs.
            continue;
        }
        bad.push(&vol.name);
        let kind = [
            (vol.host_path.is_some(), "hostPath"),
            (vol.gce_persistent_disk.is_some(), "gcePersistentDisk"),
            (
                vol.aws_elastic_block_store.is_some(),
                "awsElasticBlockStore",
            ),
            (vol.git_repo.is_some(), "gitRepo"),
            (vol.nfs.is_some(), "nfs"),
            (vol.iscsi.is_some(), "iscsi"),
            (vol.glusterfs.is_some(), "glusterfs"),
            (vol.rbd.is_some(), "rbd"),
            (vol.flex_volume.is_some(), "flexVolume"),
            (vol.cinder.is_some(), "cinder"),
            (vol.cephfs.is_some(), "cephfs"),
            (vol.flocker.is_some(), "flocker"),
            (vol.fc.is_some(), "fc"),
            (vol.azure_file.is_some(), "azureFile"),
            (vol.vsphere_volume.is_some(), "vsphereVolume"),
            (vol.quobyte.is_some(), "quobyte"),
            (vol.azure_disk.is_some(), "azureDisk"),
            (vol.photon_persistent_disk.is_some(), "photonPersistentDisk"),
            (vol.portworx_volume.is_some(), "portworxVolume"),
            (vol.scale_io.is_some(), "scaleIO"),
            (vol.storageos.is_some(), "storageos"),
        ]
        .into_iter()
        .find(|(set, _)| *set)
        .map_or("unknown", |(_, name)| name);
        types.insert(kind);
    }
    if bad.is_empty() {
        return None;
    }
    let types: Vec<&str> = types.into_iter().collect();
    Fail::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

/// True when no volume source is set (`ptr.AllPtrFieldsNil(&volume.VolumeSource)`).
pub(super) fn volume_source_unset(vol: &Volume) -> bool {
    // Destructured without `..`: a source added to Volume must be listed here to compile.
    let Volume {
        name: _,
        aws_elastic_block_store,
        azure_disk,
        azure_file,
        cephfs,
        cinder,
        config_map,
        csi,
        downward_api,
        empty_dir,
        ephemeral,
        fc,
        flex_volume,
        flocker,
        gce_persistent_disk,
        git_repo,
        glusterfs,
        host_path,
        image,
        iscsi,
        nfs,
        persistent_volume_claim,
        photon_persistent_disk,
        portworx_volume,
        projected,
        quobyte,
        rbd,
        scale_io,
        secret,
        storageos,
        vsphere_volume,
    } = vol;
    aws_elastic_block_store.is_none()
        && azure_disk.is_none()
        && azure_file.is_none()
        && cephfs.is_none()
        && cinder.is_none()
        && config_map.is_none()
        && csi.is_none()
        && downward_api.is_none()
        && empty_dir.is_none()
        && ephemeral.is_none()
        && fc.is_none()
        && flex_volume.is_none()
        && flocker.is_none()
        && gce_persistent_disk.is_none()
        && git_repo.is_none()
        && glusterfs.is_none()
        && host_path.is_none()
        && image.is_none()
        && iscsi.is_none()
        && nfs.is_none()
        && persistent_volume_claim.is_none()
        && photon_persistent_disk.is_none()
        && portworx_volume.is_none()
        && projected.is_none()
        && quobyte.is_none()
        && rbd.is_none()
        && scale_io.is_none()
        && secret.is_none()
        && storageos.is_none()
        && vsphere_volume.is_none()
}
