// LizardFS and its maintained fork SaunaFS share the protocol, personalities and output formats;
// only names and paths differ (../shared/lizardfs-facts.md, "Names").
export type Flavor = 'lizardfs' | 'saunafs';

export interface FlavorDefaults {
  masterBin: string;
  adminBin: string;
  metarestoreBin: string;
  configPath: string;
  dataPath: string;
  metadataFile: string;
  lockFile: string;
}

export const FLAVORS: Record<Flavor, FlavorDefaults> = {
  lizardfs: {
    masterBin: 'mfsmaster',
    adminBin: 'lizardfs-admin',
    metarestoreBin: 'mfsmetarestore',
    configPath: '/etc/mfs/mfsmaster.cfg',
    dataPath: '/var/lib/mfs',
    metadataFile: 'metadata.mfs',
    lockFile: 'metadata.mfs.lock',
  },
  saunafs: {
    masterBin: 'sfsmaster',
    adminBin: 'saunafs-admin',
    metarestoreBin: 'sfsmetarestore',
    configPath: '/etc/saunafs/sfsmaster.cfg',
    dataPath: '/var/lib/saunafs',
    metadataFile: 'metadata.sfs',
    lockFile: '.sfsmaster.lock',
  },
};
