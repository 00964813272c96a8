"use client";

import { Loader2, LogOut } from "lucide-react";
import { useState } from "react";

import { useAccount } from "@/components/auth-provider";
import { FormAlert } from "@/components/form-alert";
import { SettingsCard } from "@/components/settings/settings-card";
import { useFormAction } from "@/components/use-form-action";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";

/** Ends every session of the account (a lost phone, a shared computer), this one too. */
export function LogOutEverywhere() {
  const account = useAccount();
  const action = useFormAction();
  const [open, setOpen] = useState(false);

  return (
    <SettingsCard id="sessions" title="Sessions" description="Log out on every device and browser, this one included.">
      <div className="grid gap-3 sm:max-w-sm">
        {action.error && !open && <FormAlert>{action.error}</FormAlert>}
        <Button variant="outline" className="justify-self-start" onClick={() => setOpen(true)} disabled={action.waiting}>
          <LogOut aria-hidden />
          Log out everywhere
        </Button>
      </div>
      <AlertDialog open={open} onOpenChange={setOpen}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Log out everywhere?</AlertDialogTitle>
            <AlertDialogDescription>
              Every device logged in to this account is logged out within a minute, and so is this one.
            </AlertDialogDescription>
          </AlertDialogHeader>
          {action.error && <FormAlert>{action.error}</FormAlert>}
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              disabled={action.busy}
              onClick={(e) => {
                e.preventDefault();
                // On success the session ends and the page moves to /login.
                void action.run(() => account.logoutEverywhere());
              }}
            >
              {action.busy && <Loader2 className="animate-spin" aria-hidden />}
              Log out everywhere
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </SettingsCard>
  );
}
