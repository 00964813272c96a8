"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, Plus } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { ListNote, PageTitle, Section } from "@/components/admin/section";
import { useAdmin } from "@/components/admin/use-admin";
import { FormAlert } from "@/components/form-alert";
import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { GROUP_NAME_MAX, slugify, validateGroupId, validateGroupName } from "@/lib/admin/groups";
import { describeAdminError } from "@/lib/errors";
import { queryKeys } from "@/lib/query-keys";

/** A new group: the id follows the name until it is edited by hand (it can never change later). */
function CreateGroup() {
  const { auth } = useAdmin();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [id, setId] = useState("");
  const [idEdited, setIdEdited] = useState(false);
  const [touched, setTouched] = useState(false);
  const slug = idEdited ? id : slugify(name);
  const nameError = validateGroupName(name);
  const idError = validateGroupId(slug);
  const create = useMutation({
    mutationFn: () => auth.createGroup(slug, name.trim()),
    onSuccess: () => {
      setName("");
      setId("");
      setIdEdited(false);
      setTouched(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.groups() });
    },
  });

  return (
    <form
      aria-label="Create group"
      noValidate
      className="grid gap-4 sm:grid-cols-[1fr_1fr_auto] sm:items-start"
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        if (!nameError && !idError) create.mutate();
      }}
    >
      {create.isError && (
        <div className="sm:col-span-3">
          <FormAlert>{describeAdminError(create.error)}</FormAlert>
        </div>
      )}
      <FormField label="Group name" value={name} onValue={setName} maxLength={GROUP_NAME_MAX} error={touched ? nameError : null} />
      <FormField
        label="Group id"
        value={slug}
        onValue={(value) => {
          setIdEdited(true);
          setId(value);
        }}
        maxLength={64}
        error={touched ? idError : null}
        hint="Permanent: models and single sign-on name the group by it."
      />
      <Button type="submit" className="sm:mt-6" disabled={create.isPending}>
        {create.isPending ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
        Create group
      </Button>
    </form>
  );
}

/** /admin/groups: every group with its member count; each opens its own page. */
export function GroupsPage() {
  const { auth } = useAdmin();
  const groups = useQuery({ queryKey: queryKeys.admin.groups(), queryFn: () => auth.listGroups() });
  return (
    <>
      <PageTitle>Groups</PageTitle>
      <Section id="new-group" title="New group" description="Groups decide which models their members may use.">
        <CreateGroup />
      </Section>
      <Section id="groups" title="Groups">
        {groups.isPending ? (
          <ListNote>Loading groups…</ListNote>
        ) : groups.isError ? (
          <ListNote kind="error">{describeAdminError(groups.error)}</ListNote>
        ) : groups.data.length === 0 ? (
          <ListNote>No groups yet.</ListNote>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Id</TableHead>
                <TableHead className="text-right">Members</TableHead>
                <TableHead>Created</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {groups.data.map((group) => (
                <TableRow key={group.id} data-testid="group-row">
                  <TableCell>
                    <Link href={`/admin/groups/${encodeURIComponent(group.id)}`} className="font-medium underline-offset-4 hover:underline">
                      {group.name}
                    </Link>
                  </TableCell>
                  <TableCell className="font-mono text-xs">{group.id}</TableCell>
                  <TableCell className="text-right tabular-nums">{group.members}</TableCell>
                  <TableCell className="text-muted-foreground">{new Date(group.created_at).toLocaleDateString()}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
    </>
  );
}
