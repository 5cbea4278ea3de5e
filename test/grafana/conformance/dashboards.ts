/** Checks on provisioning/dashboards/*.yaml (providers) and the dashboard JSON they provision. */
import { validUid, type Check } from './check.js';

export const DASHBOARD_CHECKS: Check[] = [
  {
    id: 'dashboard-providers',
    mirrors: 'pkg/services/provisioning/dashboards/config_reader.go readConfig/parseConfigs; file_reader.go NewDashboardFileReader ("path param is not a string", "\'folder\' and \'folderUID\' should be empty using \'foldersFromFilesStructure\' option")',
    consequence: 'the dashboard provisioner cannot be created: Grafana stops ("Failed to provision dashboard") or no dashboard appears',
    run: (p) => {
      const problems: string[] = [];
      const names = new Set<string>();
      for (const provider of p.providers.providers) {
        if (!provider.name) problems.push('provider without a name');
        if (names.has(provider.name)) problems.push(`provider name ${provider.name} used twice`);
        names.add(provider.name);
        if ((provider.type ?? 'file') !== 'file') problems.push(`${provider.name}: type ${provider.type}`);
        if (typeof provider.options?.path !== 'string' || provider.options.path === '') problems.push(`${provider.name}: path param is not a string`);
        if (provider.folderUid !== undefined && (!validUid(provider.folderUid) || provider.folderUid === 'general')) problems.push(`${provider.name}: folderUid ${provider.folderUid} is not a valid folder uid`);
        if (provider.options?.foldersFromFilesStructure && provider.folder && provider.folderUid) problems.push(`${provider.name}: 'folder' and 'folderUID' should be empty using 'foldersFromFilesStructure' option`);
      }
      return problems;
    },
  },
  {
    id: 'dashboard-folder-shared-with-alerting',
    mirrors:
      'pkg/services/provisioning/provisioning.go RunInitProvisioners (alerting before dashboards); alerting/rules_provisioner.go getOrCreateFolderByTitle (random uid); dashboards/file_reader.go getOrCreateFolder (looks up folderUid, else creates by title); folder/folderimpl toFolderError (ErrFolderSameNameExists)',
    consequence: 'the provider cannot create its folder ("a folder with the same name already exists") and skips every dashboard',
    run: (p) => {
      const ruleFolders = new Set(p.rules.groups.map((g) => `${g.orgId ?? 1}/${g.folder}`));
      return p.providers.providers
        .filter((provider) => provider.folderUid && ruleFolders.has(`${provider.orgId ?? 1}/${provider.folder}`))
        .map((provider) => `${provider.name}: folderUid ${provider.folderUid} for folder "${provider.folder}", which alerting provisioning creates first by title with a random uid`);
    },
  },
  {
    id: 'dashboards-json',
    mirrors: 'pkg/services/provisioning/dashboards/file_reader.go readDashboardFromFile/createDashboardJSON; validator.go duplicateValidator; pkg/services/dashboards (title required, uid ValidateUID)',
    consequence: 'the dashboard is not saved, or only one of two with the same uid/title survives',
    run: (p) => {
      const problems: string[] = [];
      const uids = new Set<string>();
      const titles = new Set<string>();
      for (const [file, board] of Object.entries(p.dashboards)) {
        if (!board.title?.trim()) problems.push(`${file}: Dashboard title cannot be empty`);
        if (!validUid(board.uid)) problems.push(`${file}: uid ${board.uid} is not a valid short uid`);
        if (board.uid && uids.has(board.uid)) problems.push(`${file}: the same uid ${board.uid} is used more than once`);
        if (board.title && titles.has(board.title)) problems.push(`${file}: dashboard title ${board.title} is not unique in folder`);
        if (board.uid) uids.add(board.uid);
        if (board.title) titles.add(board.title);
        const ids = (board.panels ?? []).map((panel) => panel.id);
        if (new Set(ids).size !== ids.length) problems.push(`${file}: panel ids repeat`);
      }
      return problems;
    },
  },
  {
    id: 'dashboards-read-only-when-provider-forbids-ui-updates',
    mirrors: 'pkg/services/dashboards/service/dashboard_service.go BuildSaveDashboardCommand (ErrDashboardCannotSaveProvisionedDashboard unless allowUiUpdates)',
    consequence: 'users can edit the dashboard, and every save fails ("Cannot save provisioned dashboard")',
    run: (p) =>
      p.providers.providers.some((provider) => provider.allowUiUpdates !== true)
        ? Object.entries(p.dashboards).filter(([, board]) => board.editable !== false).map(([file]) => `${file}: editable while the provider forbids UI updates`)
        : [],
  },
];
